// Presets: for each widget, the settings that make one point of the lecture. The first entry of
// every menu is the widget's defaults (read from its form, so they live in one place); these are
// the others. `values` are form values, checked like any setting (settings.js); a test creates a
// session from every preset (tests/e2e/notes.test.mjs), so none can drift out of range.

export const PRESETS = {
  rotation: [
    { name: "fashion", label: "Fashion-MNIST", note: "Clothes have an upright too: the same pretext task works on another dataset.", values: { dataset: "fashion" } },
  ],
  jigsaw: [
    { name: "no-jitter", label: "No jitter (shortcut)", note: "Tiles cut to their cells' edges: matching border pixels solves the puzzle without learning shapes. Compare the probe.", values: { jitter: "0" } },
    { name: "3x3", label: "3 x 3 tiles, 100 permutations", note: "A harder puzzle: more tiles, more classes.", values: { grid: "3", permutations: "100" } },
  ],
  deepcluster: [
    { name: "overclustering", label: "Over-clustering (50 clusters)", note: "More clusters than classes, as DeepCluster uses: finer pseudo-labels.", values: { clusters: "50" } },
    { name: "two-clusters", label: "Two clusters", note: "Too few pseudo-classes: the features only need to split the data in two.", values: { clusters: "2" } },
  ],
  simclr: [
    { name: "hot", label: "High temperature (1.0)", note: "A high temperature weighs all negatives alike: the loss learns less from the hard ones.", values: { temperature: "1" } },
    { name: "small-batch", label: "Small batch (8)", note: "Only 7 negatives per view: contrastive learning wants many.", values: { batch_size: "8" } },
  ],
  moco: [
    { name: "no-momentum", label: "Momentum 0", note: "The key encoder copies the query encoder every step: the queue's older keys no longer match.", values: { momentum: "0" } },
    { name: "small-queue", label: "Small queue (128)", note: "Few negatives (the queue must exceed the batch): the point of the queue is to have many.", values: { queue_size: "128" } },
  ],
  byol: [
    { name: "no-predictor", label: "No predictor", note: "Without the predictor BYOL collapses: watch the feature spread fall.", values: { predictor: "false" } },
    { name: "no-stop-gradient", label: "No stop-gradient", note: "The online network is its own target: nothing stops the collapse.", values: { stop_gradient: "false" } },
  ],
  clip: [
    { name: "hot", label: "High temperature (1.0)", note: "Softer matching: the zero-shot scores separate less.", values: { temperature: "1" } },
    { name: "small-batch", label: "Small batch (8)", note: "Few captions to tell apart per step.", values: { batch_size: "8" } },
  ],
  autoencoder: [
    { name: "denoising", label: "Denoising (30% noise)", note: "Reconstruct the clean digit from a corrupted one.", values: { noise: "0.3" } },
    { name: "bottleneck-2", label: "2-d bottleneck", note: "Two numbers per digit: the reconstructions blur.", values: { latent: "2" } },
  ],
  vae: [
    { name: "2d", label: "2-d latent (the manifold)", note: "Small enough to draw: the manifold panel shows the whole latent space.", values: { latent: "2" } },
    { name: "beta-4", label: "β = 4", note: "A heavier KL term: a smoother latent space, blurrier digits.", values: { beta: "4" } },
    { name: "conditional", label: "Conditional, 2-d latent", note: "The class goes in beside the latent: the latent keeps only the style.", values: { conditional: "true", latent: "2" } },
  ],
  gan: [
    { name: "least-squares", label: "Least-squares GAN", note: "A different loss for the same game.", values: { loss: "least_squares" } },
    { name: "strong-discriminator", label: "Discriminator 5 steps per generator step", note: "A discriminator that wins too easily leaves the generator little gradient.", values: { discriminator_steps: "5" } },
  ],
  cyclegan: [
    { name: "no-cycle", label: "No cycle loss (λ = 0)", note: "Any mapping that fools the discriminator will do: the translation forgets its input.", values: { lambda: "0" } },
    { name: "no-identity", label: "No identity loss", note: "Without it the colours and strokes may drift.", values: { identity: "0" } },
  ],
  charlm: [
    { name: "short-context", label: "Context of 8 characters", note: "The model sees 8 characters back: it cannot keep a long word or a rhyme.", values: { context: "8" } },
    { name: "one-layer", label: "One layer, one head", note: "A smaller transformer: compare the held-out bits per character.", values: { layers: "1", heads: "1" } },
  ],
  pixelcnn: [
    { name: "small-field", label: "No residual layers", note: "Only the 7 x 7 mask-A convolution: a pixel sees 3 rows up and samples lose their shape.", values: { layers: "0" } },
    { name: "fashion", label: "Fashion-MNIST", note: "Clothes, drawn pixel by pixel.", values: { dataset: "fashion" } },
  ],
  mae: [
    { name: "low-mask", label: "Mask 25%", note: "Easy: the hidden patches can be interpolated from their neighbours.", values: { mask_ratio: "0.25" } },
    { name: "high-mask", label: "Mask 90%", note: "Hard: the encoder must know what digits look like.", values: { mask_ratio: "0.9" } },
  ],
  board: [
    { name: "quick", label: "Quick (50 steps each)", note: "A first look in about a minute on a laptop CPU.", values: { steps: "50" } },
    { name: "fashion", label: "Fashion-MNIST", note: "The same comparison on clothes.", values: { dataset: "fashion" } },
  ],
};
