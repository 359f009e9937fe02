//! The procedural captioned shapes CLIP trains on: small colour images of one shape, each with
//! its caption, e.g. "a small red circle at the top left".
//!
//! Four attributes (shape, colour, position, size) make 4 x 4 x 4 x 2 = 128 captions. Some
//! shape-colour pairs never appear in training ([`HELD_OUT_PAIRS`]): zero-shot classification on
//! them asks whether the model composes words it has seen in other combinations ("red" from red
//! squares, "circle" from blue circles) into one it has never seen (a red circle). Images are drawn
//! on the host from a seed (a few thousand 3x28x28 images take milliseconds), then uploaded once.

use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::DeviceImages;
use crate::{Error, Result};

/// Shapes, in label order.
pub const SHAPES: [&str; 4] = ["circle", "square", "triangle", "cross"];
/// Colours, in label order, with their RGB values.
pub const COLOURS: [(&str, [f32; 3]); 4] = [
    ("red", [0.95, 0.15, 0.15]),
    ("green", [0.15, 0.85, 0.2]),
    ("blue", [0.2, 0.35, 1.0]),
    ("yellow", [0.95, 0.9, 0.1]),
];
/// Positions (the shape's centre in a quadrant), in label order.
pub const POSITIONS: [&str; 4] = ["top left", "top right", "bottom left", "bottom right"];
/// Sizes, in label order.
pub const SIZES: [&str; 2] = ["small", "large"];
/// Shape-colour pairs (indices into [`SHAPES`] and [`COLOURS`]) that only the held-out part has.
pub const HELD_OUT_PAIRS: [(usize, usize); 4] = [(0, 0), (1, 1), (2, 2), (3, 3)];
/// Image side in pixels.
pub const SIDE: usize = 28;

/// What one image shows: an index into each attribute list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShapeCaption {
    /// Index into [`SHAPES`].
    pub shape: usize,
    /// Index into [`COLOURS`].
    pub colour: usize,
    /// Index into [`POSITIONS`].
    pub position: usize,
    /// Index into [`SIZES`].
    pub size: usize,
}

impl ShapeCaption {
    /// Every caption, in a fixed order (shape, colour, position, size).
    pub fn all() -> Vec<ShapeCaption> {
        let mut out = Vec::new();
        for shape in 0..SHAPES.len() {
            for colour in 0..COLOURS.len() {
                for position in 0..POSITIONS.len() {
                    for size in 0..SIZES.len() {
                        out.push(ShapeCaption {
                            shape,
                            colour,
                            position,
                            size,
                        });
                    }
                }
            }
        }
        out
    }

    /// The captions whose shape-colour pair is (`held_out = true`) or is not kept out of
    /// training, in [`ShapeCaption::all`] order.
    pub fn split(held_out: bool) -> Vec<ShapeCaption> {
        Self::all()
            .into_iter()
            .filter(|c| c.held_out() == held_out)
            .collect()
    }

    /// Position in [`ShapeCaption::all`] (0..128).
    pub fn index(&self) -> usize {
        ((self.shape * COLOURS.len() + self.colour) * POSITIONS.len() + self.position) * SIZES.len()
            + self.size
    }

    /// The caption at `index` of [`ShapeCaption::all`].
    pub fn from_index(index: usize) -> ShapeCaption {
        ShapeCaption {
            size: index % SIZES.len(),
            position: index / SIZES.len() % POSITIONS.len(),
            colour: index / (SIZES.len() * POSITIONS.len()) % COLOURS.len(),
            shape: index / (SIZES.len() * POSITIONS.len() * COLOURS.len()),
        }
    }

    /// How well a typed `candidate` caption describes this image: `Some(n)` when every one of
    /// its `n` attribute words (shape, colour, size, position; "a", "at", "the" do not count)
    /// is true of the image, `None` when one is not. "a red circle" fits a small red circle at
    /// the top left with 2 words, "a small red circle at the top left" with 5; the most words
    /// wins, so the most specific candidate that fits is the one the image should pick.
    pub fn fits(&self, candidate: &str) -> Result<Option<usize>> {
        let bag = bag_of_words(candidate)?;
        let own = bag_of_words(&self.text())?;
        let mut words = 0;
        for (i, word) in vocabulary().iter().enumerate() {
            if bag[i] == 0.0 || STOP_WORDS.contains(word) {
                continue;
            }
            if own[i] == 0.0 {
                return Ok(None);
            }
            words += 1;
        }
        Ok(Some(words))
    }

    /// Whether this shape-colour pair is kept out of training.
    pub fn held_out(&self) -> bool {
        HELD_OUT_PAIRS.contains(&(self.shape, self.colour))
    }

    /// The caption in words: "a small red circle at the top left".
    pub fn text(&self) -> String {
        format!(
            "a {} {} {} at the {}",
            SIZES[self.size], COLOURS[self.colour].0, SHAPES[self.shape], POSITIONS[self.position]
        )
    }

    /// The image: the shape in its colour on black, its centre jittered by up to 2 pixels and
    /// its radius by 1, so no two images of one caption are the same. `[3, 28, 28]`, row-major,
    /// values in [0, 1].
    pub fn render(&self, rng: &mut StdRng) -> Vec<f32> {
        let radius = [4.5f32, 7.5][self.size] + rng.random_range(-1.0..=1.0);
        let (qx, qy) = (self.position % 2, self.position / 2);
        let centre = |q: usize, jitter: f32| 7.0 + 14.0 * q as f32 + jitter;
        let cx = centre(qx, rng.random_range(-2.0..=2.0));
        let cy = centre(qy, rng.random_range(-2.0..=2.0));
        let rgb = COLOURS[self.colour].1;
        let mut image = vec![0.0f32; 3 * SIDE * SIDE];
        for y in 0..SIDE {
            for x in 0..SIDE {
                // Pixel centre relative to the shape's centre, in radii.
                let u = (x as f32 + 0.5 - cx) / radius;
                let v = (y as f32 + 0.5 - cy) / radius;
                let inside = match self.shape {
                    0 => u * u + v * v <= 1.0,
                    1 => u.abs() <= 0.85 && v.abs() <= 0.85,
                    // Apex up, base at v = 0.85.
                    2 => (-1.0..=0.85).contains(&v) && u.abs() <= (v + 1.0) * 0.55,
                    _ => (u.abs() <= 0.3 && v.abs() <= 1.0) || (v.abs() <= 0.3 && u.abs() <= 1.0),
                };
                if inside {
                    for (c, value) in rgb.iter().enumerate() {
                        image[(c * SIDE + y) * SIDE + x] = *value;
                    }
                }
            }
        }
        image
    }
}

/// Captioned images, on the host.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptionedShapes {
    /// `[n, 3, 28, 28]`, row-major.
    pub images: Vec<f32>,
    /// One per image.
    pub captions: Vec<ShapeCaption>,
}

impl CaptionedShapes {
    /// `per_caption` images of each of `captions`, drawn from `seed`, in rounds: image
    /// `k * captions.len() + c` is the `k`-th image of caption `c`, so the first
    /// `captions.len()` images show every caption once.
    pub fn render(captions: &[ShapeCaption], per_caption: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let count = captions.len() * per_caption;
        let mut images = Vec::with_capacity(count * 3 * SIDE * SIDE);
        let mut order = Vec::with_capacity(count);
        for _ in 0..per_caption {
            for caption in captions {
                images.extend(caption.render(&mut rng));
                order.push(*caption);
            }
        }
        CaptionedShapes {
            images,
            captions: order,
        }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.captions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.captions.is_empty()
    }

    /// Upload the images to `device`; the labels are the captions' [`ShapeCaption::index`].
    pub fn upload(&self, device: &Device) -> DeviceImages {
        let shape = [self.len(), 3, SIDE, SIDE];
        DeviceImages {
            images: Tensor::from_data(TensorData::new(self.images.clone(), shape), device),
            labels: self.captions.iter().map(|c| c.index() as u8).collect(),
        }
    }
}

/// The words of a caption that name no attribute.
const STOP_WORDS: [&str; 3] = ["a", "at", "the"];

/// Every word the captions use, in a fixed order: the bag-of-words text encoder's input size.
pub fn vocabulary() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = STOP_WORDS.to_vec();
    words.extend(SIZES);
    words.extend(COLOURS.iter().map(|(name, _)| *name));
    words.extend(SHAPES);
    for position in POSITIONS {
        for word in position.split(' ') {
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    words
}

/// A caption typed by a user as word counts over [`vocabulary`] (a bag of words: order is
/// ignored, which is the point). Case and surrounding punctuation do not matter; an empty
/// caption or an unknown word is an error that names the word.
pub fn bag_of_words(text: &str) -> Result<Vec<f32>> {
    let vocabulary = vocabulary();
    let mut counts = vec![0.0f32; vocabulary.len()];
    let mut any = false;
    for raw in text.split_whitespace() {
        let word = raw
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if word.is_empty() {
            continue;
        }
        let index = vocabulary.iter().position(|w| *w == word).ok_or_else(|| {
            Error::config(
                "caption",
                format!(
                    "unknown word {word:?}; the captions use: {}",
                    vocabulary.join(", ")
                ),
            )
        })?;
        counts[index] += 1.0;
        any = true;
    }
    if !any {
        return Err(Error::config(
            "caption",
            "is empty; type a caption such as \"a red circle\"",
        ));
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_128_captions_and_the_held_out_pairs_never_train() {
        let all = ShapeCaption::all();
        assert_eq!(all.len(), 128);
        assert_eq!(all.iter().filter(|c| c.held_out()).count(), 4 * 4 * 2);
        let train = CaptionedShapes::render(&ShapeCaption::split(false), 5, 1);
        assert_eq!(train.len(), 96 * 5);
        assert!(train.captions.iter().all(|c| !c.held_out()));
        // In rounds: the first 96 images show every training caption once.
        assert_eq!(train.captions[..96], ShapeCaption::split(false)[..]);
        assert_eq!(train.captions[96..192], ShapeCaption::split(false)[..]);
        let test = CaptionedShapes::render(&ShapeCaption::split(true), 1, 2);
        assert!(test.captions.iter().all(|c| c.held_out()));
        assert_eq!(train.images.len(), 96 * 5 * 3 * SIDE * SIDE);
        for (i, caption) in all.iter().enumerate() {
            assert_eq!(caption.index(), i);
            assert_eq!(ShapeCaption::from_index(i), *caption);
        }
    }

    #[test]
    fn images_are_reproducible_coloured_and_in_range() {
        let captions = ShapeCaption::all();
        let a = CaptionedShapes::render(&captions, 1, 7);
        assert_eq!(a, CaptionedShapes::render(&captions, 1, 7));
        assert_ne!(a, CaptionedShapes::render(&captions, 1, 8));
        for (i, caption) in a.captions.iter().enumerate() {
            let image = &a.images[i * 3 * SIDE * SIDE..(i + 1) * 3 * SIDE * SIDE];
            assert!(image.iter().all(|v| (0.0..=1.0).contains(v)));
            // Every lit pixel has the caption's colour; a small shape lights at least 20 pixels.
            let rgb = COLOURS[caption.colour].1;
            let lit: Vec<usize> = (0..SIDE * SIDE)
                .filter(|&p| image[p] + image[SIDE * SIDE + p] + image[2 * SIDE * SIDE + p] > 0.0)
                .collect();
            assert!(lit.len() >= 20, "{}: {} pixels", caption.text(), lit.len());
            for p in lit {
                assert_eq!(
                    [image[p], image[SIDE * SIDE + p], image[2 * SIDE * SIDE + p]],
                    rgb
                );
            }
        }
    }

    #[test]
    fn captions_are_bags_of_known_words() {
        let caption = ShapeCaption {
            shape: 0,
            colour: 0,
            position: 0,
            size: 0,
        };
        assert_eq!(caption.text(), "a small red circle at the top left");
        let bag = bag_of_words(&caption.text()).unwrap();
        assert_eq!(bag.iter().sum::<f32>(), 8.0);
        // Order, case and punctuation do not matter.
        assert_eq!(
            bag_of_words("Red, circle!").unwrap(),
            bag_of_words("circle red").unwrap()
        );
        for bad in ["", "   ", "a purple circle"] {
            match bag_of_words(bad) {
                Err(Error::Config { field, .. }) => assert_eq!(field, "caption"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert_eq!(vocabulary().len(), 3 + 2 + 4 + 4 + 4);
    }

    #[test]
    fn a_candidate_fits_when_all_its_attribute_words_are_true() {
        let image = ShapeCaption {
            shape: 0,
            colour: 0,
            position: 2, // bottom left
            size: 1,
        };
        let fits = |text: &str| image.fits(text).unwrap();
        assert_eq!(fits("a red circle"), Some(2));
        assert_eq!(fits("circle"), Some(1));
        assert_eq!(fits("the left"), Some(1));
        assert_eq!(fits(&image.text()), Some(5));
        assert_eq!(fits("a blue circle"), None);
        assert_eq!(fits("a red circle at the top left"), None);
        assert_eq!(fits("a"), Some(0));
        assert!(image.fits("a purple circle").is_err());
    }
}
