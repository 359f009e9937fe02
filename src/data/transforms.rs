//! Image transforms that run on the device as tensor ops (never per pixel on the host).

use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::{Int, Tensor, TensorData};

/// Rotate every image of a batch by `quarter_turns` x 90 degrees counter-clockwise.
///
/// A quarter turn is a transpose of the two spatial axes followed by a flip of the rows, so the
/// whole rotation is two cheap index-remapping ops on the device.
///
/// # Shapes
/// - x: `[batch, channels, size, size]` (square images)
/// - output: same as `x`
pub fn rotate90(x: Tensor<4>, quarter_turns: usize) -> Tensor<4> {
    match quarter_turns % 4 {
        0 => x,
        // out[i][j] = x[j][W-1-i]
        1 => x.swap_dims(2, 3).flip([2]),
        2 => x.flip([2, 3]),
        // out[i][j] = x[H-1-j][i]
        _ => x.swap_dims(2, 3).flip([3]),
    }
}

/// Bold strokes: every pixel becomes the brightest of its 3x3 neighbourhood (a morphological
/// dilation by one pixel), which thickens a digit's strokes by two pixels and keeps its shape:
/// the second domain of the CycleGAN.
///
/// # Shapes
/// - images: `[batch, channels, rows, cols]`, output: same
pub fn thicken(images: Tensor<4>) -> Tensor<4> {
    MaxPool2dConfig::new([3, 3])
        .with_strides([1, 1])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init()
        .forward(images)
}

/// The batch under all four rotations, with the rotation index (0..4) as the label.
///
/// # Shapes
/// - x: `[batch, channels, size, size]`
/// - output: (`[4 * batch, channels, size, size]`, `[4 * batch]`); rotation `k` of image `i` sits
///   at row `k * batch + i`.
pub fn all_rotations(x: Tensor<4>) -> (Tensor<4>, Tensor<1, Int>) {
    let batch = x.dims()[0];
    let device = x.device();
    let rotated = Tensor::cat((0..4).map(|k| rotate90(x.clone(), k)).collect(), 0);
    // [4] -> [4, 1] -> [4, batch] -> [4 * batch], built on the device.
    let labels = Tensor::<1, Int>::arange(0..4, &device)
        .reshape([4, 1])
        .repeat_dim(1, batch)
        .reshape([4 * batch]);
    (rotated, labels)
}

/// Cut square tiles out of every image of a batch with one gather on the device.
///
/// `corners` gives the top-left pixel `[row, col]` of each tile, image by image: tile `k` of image
/// `i` is `corners[i * tiles_per_image + k]`, and it lands at row `i * tiles_per_image + k` of the
/// output. Only these few integers come from the host; the pixels never leave the device.
///
/// # Shapes
/// - images: `[batch, channels, rows, cols]`
/// - output: `[batch * tiles_per_image, channels, tile, tile]`
///
/// # Panics
/// If `corners.len()` is not a multiple of the batch or a tile reaches past the image edge
/// (callers validate the geometry first).
pub fn cut_tiles(images: Tensor<4>, corners: &[[usize; 2]], tile: usize) -> Tensor<4> {
    let [batch, channels, rows, cols] = images.dims();
    assert!(
        batch > 0 && corners.len().is_multiple_of(batch),
        "one corner list per image"
    );
    let per_image = corners.len() / batch;
    let index: Vec<i64> = corners
        .iter()
        .flat_map(|&[r, c]| {
            assert!(r + tile <= rows && c + tile <= cols, "tile past the edge");
            (0..tile).flat_map(move |dr| (0..tile).map(move |dc| ((r + dr) * cols + c + dc) as i64))
        })
        .collect();
    let len = per_image * tile * tile;
    let index =
        Tensor::<3, Int>::from_data(TensorData::new(index, [batch, 1, len]), &images.device())
            .repeat_dim(1, channels); // [b, c, tiles * tile * tile]
    images
        .reshape([batch, channels, rows * cols])
        .gather(2, index) // [b, c, tiles * tile * tile]
        .reshape([batch, channels, per_image, tile, tile])
        .swap_dims(1, 2) // [b, tiles, c, tile, tile]
        .reshape([batch * per_image, channels, tile, tile])
}

/// Lay `grid x grid` tiles per image back out as one board image, tile `k` at row `k / grid`,
/// column `k % grid` (the inverse of [`cut_tiles`] on a regular grid without gaps or jitter).
///
/// # Shapes
/// - tiles: `[batch * grid * grid, channels, tile, tile]`
/// - output: `[batch, channels, grid * tile, grid * tile]`
pub fn assemble_board(tiles: Tensor<4>, grid: usize) -> Tensor<4> {
    let [n, channels, tile, _] = tiles.dims();
    let batch = n / (grid * grid);
    tiles
        .reshape([batch, grid, grid, channels, tile, tile]) // [b, gr, gc, c, tr, tc]
        .permute([0, 3, 1, 4, 2, 5]) // [b, c, gr, tr, gc, tc]
        .reshape([batch, channels, grid * tile, grid * tile])
}

/// Shift every image by its own random offset of up to `max_shift` pixels in each direction
/// (zeros come in at the edges): pad, then cut an image-sized window at a random corner, with
/// one gather on the device. The cheapest augmentation that stops a network from keying on exact
/// pixel positions.
///
/// # Shapes
/// - images: `[batch, channels, size, size]`
/// - output: same as `images`
pub fn random_shift(images: Tensor<4>, max_shift: usize, rng: &mut impl rand::Rng) -> Tensor<4> {
    use rand::RngExt;
    let [batch, _, size, _] = images.dims();
    if max_shift == 0 {
        return images;
    }
    let p = max_shift;
    let padded = images.pad((p, p, p, p), burn::tensor::ops::PadMode::Constant(0.0));
    let corners: Vec<[usize; 2]> = (0..batch)
        .map(|_| [rng.random_range(0..=2 * p), rng.random_range(0..=2 * p)])
        .collect();
    cut_tiles(padded, &corners, size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    /// The naive oracle: one pixel at a time, counter-clockwise.
    fn rotate_naive(img: &[f32], n: usize, k: usize) -> Vec<f32> {
        let mut cur = img.to_vec();
        for _ in 0..k {
            let mut next = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    // A counter-clockwise quarter turn moves (r, c) to (n-1-c, r).
                    next[(n - 1 - j) * n + i] = cur[i * n + j];
                }
            }
            cur = next;
        }
        cur
    }

    #[test]
    fn rotation_of_a_known_image_is_exact() {
        let device = Device::flex();
        let n = 5;
        let img: Vec<f32> = (0..n * n).map(|v| v as f32).collect();
        let x = Tensor::<4>::from_data(TensorData::new(img.clone(), [1, 1, n, n]), &device);
        for k in 0..4 {
            let got = rotate90(x.clone(), k)
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            assert_eq!(got, rotate_naive(&img, n, k), "k = {k}");
        }
        // An "L" made by hand: a quarter turn counter-clockwise of
        //   1 0        0 0
        //   1 1   is   1 1  ... checked on a 2x2 to pin the direction.
        let l = Tensor::<4>::from_data(
            TensorData::new(vec![1.0f32, 0., 1., 1.], [1, 1, 2, 2]),
            &device,
        );
        let got = rotate90(l, 1).into_data().try_into_vec::<f32>().unwrap();
        assert_eq!(got, vec![0.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn all_rotations_orders_rows_by_rotation() {
        let device = Device::flex();
        let x = Tensor::<4>::from_data(
            TensorData::new((0..8).map(|v| v as f32).collect::<Vec<_>>(), [2, 1, 2, 2]),
            &device,
        );
        let (rot, labels) = all_rotations(x.clone());
        assert_eq!(rot.dims(), [8, 1, 2, 2]);
        let labels = labels.into_data().iter::<i64>().collect::<Vec<_>>();
        assert_eq!(labels, vec![0, 0, 1, 1, 2, 2, 3, 3]);
        let row5 = rot
            .narrow(0, 5, 1)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let want = rotate90(x.narrow(0, 1, 1), 2)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        assert_eq!(row5, want);
    }

    #[test]
    fn tiles_are_cut_exactly_and_reassemble() {
        let device = Device::flex();
        // Two 4x4 images with distinct pixel values, cut into a 2x2 grid of 2x2 tiles (no jitter).
        let pixels: Vec<f32> = (0..32).map(|v| v as f32).collect();
        let x = Tensor::<4>::from_data(TensorData::new(pixels.clone(), [2, 1, 4, 4]), &device);
        let corners: Vec<[usize; 2]> = (0..2)
            .flat_map(|_| [[0, 0], [0, 2], [2, 0], [2, 2]])
            .collect();
        let tiles = cut_tiles(x.clone(), &corners, 2);
        assert_eq!(tiles.dims(), [8, 1, 2, 2]);
        let got = tiles.clone().into_data().try_into_vec::<f32>().unwrap();
        // Tile 1 of image 0 is the top-right 2x2 block: pixels 2, 3, 6, 7.
        assert_eq!(&got[4..8], &[2.0, 3.0, 6.0, 7.0]);
        // Tile 2 of image 1 is its bottom-left block: 16 + (8, 9, 12, 13).
        assert_eq!(&got[6 * 4..7 * 4], &[24.0, 25.0, 28.0, 29.0]);
        let board = assemble_board(tiles, 2)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        assert_eq!(board, pixels);
        // A shifted corner (jitter) moves the tile by that many pixels.
        let one = cut_tiles(x.narrow(0, 0, 1), &[[1, 1]], 2);
        let got = one.into_data().try_into_vec::<f32>().unwrap();
        assert_eq!(got, vec![5.0, 6.0, 9.0, 10.0]);
    }

    #[test]
    fn a_shift_moves_the_image_and_brings_in_zeros() {
        use rand::SeedableRng;
        let device = Device::flex();
        let x = Tensor::<4>::from_data(
            TensorData::new((1..=9).map(|v| v as f32).collect::<Vec<_>>(), [1, 1, 3, 3]),
            &device,
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let same = random_shift(x.clone(), 0, &mut rng)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        assert_eq!(same, (1..=9).map(|v| v as f32).collect::<Vec<_>>());
        for _ in 0..10 {
            let shifted = random_shift(x.clone(), 1, &mut rng)
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            // Whatever the offset, the pixels are the original ones or zeros, and the centre pixel
            // of a one-pixel shift is one of the original's pixels.
            assert!(shifted.iter().all(|&v| (0.0..=9.0).contains(&v)));
            assert!(shifted[4] >= 1.0);
        }
    }
}
