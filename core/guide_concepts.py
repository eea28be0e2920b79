"""The guide's concept pages: the ideas behind the layers, for people learning them.

Each :class:`Concept` is a page keyed ``concept:<name>`` (``concept:perceptron``) in the
guide's "Concepts" group: a few short paragraphs, the formula, and the example projects
that show the idea and open ready to train (``resources/examples/<name>.lfproj``). An
example that is not shipped (yet) is left out of the links and the page says so, so a
page never offers a file that is not there. ``demo`` names a live widget the designer
shows on the page (``"kernel"``: pick a 3×3 kernel, see it applied to a sample image).
No Qt here: ``core.guide_texts`` lists these pages with the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from core.resources import examples_dir

GROUP = "Concepts"


@dataclass(frozen=True)
class Concept:
    key: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    formula: str = ""
    #: ``(example file stem, why to open it)``, in the order the page offers them.
    examples: tuple[tuple[str, str], ...] = ()
    see_also: tuple[str, ...] = ()  # other guide keys
    demo: str | None = None
    words: tuple[str, ...] = ()
    #: ``(picture file in resources/guide, caption)``: what the idea looks like while it
    #: trains, grabbed from the training plots (``tests/designer/guide_pictures.py`` makes them).
    pictures: tuple[tuple[str, str], ...] = ()


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "concept:perceptron", "The perceptron",
        "The simplest neural network: a weighted sum of the inputs, and a threshold.",
        ("A perceptron takes a few numbers, say the x and y of a point, multiplies each by a"
         " weight, adds them up with a bias, and answers yes when the sum is above zero. The"
         " weights say which inputs matter and in which direction; the bias moves the threshold.",
         "Drawn on the plane, w₁·x + w₂·y + b = 0 is a straight line: a perceptron splits the"
         " plane into two halves. It can learn any problem where a straight line separates the"
         " classes, and nothing else. Two interleaved spirals, or the XOR pattern, need more.",
         "In LayerForge the Perceptron example is an Input wired straight into the Output. The"
         " Output is a Linear layer with one unit; the loss turns its score into a probability"
         " with the sigmoid. Each batch, training nudges the two weights and the bias until the"
         " line lies between the two clouds of points.",
         "Stack layers of such units, with a non-linear activation such as ReLU between them,"
         " and the network can bend the line: that is a multilayer perceptron, like the Spiral"
         " MLP."),
        "output = σ(w₁·x₁ + w₂·x₂ + … + b)",
        (("perceptron", "one Linear unit separating two clouds of points: watch the Decision"
                        " boundary tab draw a straight line"),
         ("spiral_mlp", "two hidden layers bend the line around two spiral arms")),
        ("concept:backpropagation", "layer:Linear", "loss:bce"), None,
        ("perceptron", "linear", "neuron", "threshold", "decision boundary")),
    Concept(
        "concept:backpropagation", "Backpropagation and gradient descent",
        "How a network learns: the loss's gradient, carried back layer by layer by the chain rule.",
        ("Training needs one number that says how wrong the network is: the loss. Gradient"
         " descent lowers it one small step at a time. For every weight it asks which way the"
         " loss would go if that weight grew a little (the weight's gradient), and moves the"
         " weight a little the other way: new weight = weight − learning rate × gradient.",
         "Backpropagation computes all these gradients in one sweep, with the chain rule. It goes"
         " backwards from the loss. Each layer receives the gradient of the loss with respect to"
         " its output and turns it into two things: the gradients of its own weights (for a"
         " Linear layer, the arriving gradient times the input that weight multiplied) and the"
         " gradient with respect to its input, which it hands to the layer before it. An"
         " activation passes the gradient on multiplied by its slope: ReLU lets it through where"
         " the unit was active and stops it where the unit was silent.",
         "One forward pass, one backward pass and one update make a training step. A batch"
         " averages the gradients of several samples, so each step follows the whole data a"
         " little better; an epoch is one pass over every training sample.",
         "See it with real numbers: open the Spiral MLP and choose Train ▸ Step Through…. It"
         " follows one sample forward through every layer, computes the loss, walks the gradient"
         " back layer by layer, and shows each weight before and after the step."),
        "chain rule:  dL/dw = dL/dy × dy/dw\nupdate:      w ← w − learning_rate × dL/dw",
        (("spiral_mlp", "a small MLP to follow with Train ▸ Step Through…, number by number"),
         ("perceptron", "the smallest network: three weights, all visible in one step")),
        ("topic:learning_rate", "optimizer:sgd", "optimizer:adam", "topic:batch_size"), None,
        ("backpropagation", "backprop", "gradient", "chain rule", "gradient descent", "training step",
         "step through")),
    Concept(
        "concept:convolution", "Convolution",
        "A small grid of weights slid over an image: the same pattern detector everywhere.",
        ("A convolution slides a small grid of weights, the kernel (often 3×3), over an image."
         " At every position it multiplies the kernel with the patch of pixels under it and adds"
         " up the products: that sum is one pixel of the output picture, the feature map.",
         "The same kernel is used at every position. So a convolution needs few weights, and it"
         " finds its pattern wherever the pattern is in the image. Hand-made kernels blur, sharpen"
         " or find edges: try them below. A Conv2d layer learns its kernels from the data, many at"
         " once: each output channel has its own kernel across all the input channels.",
         "Early layers learn edges and spots. Later layers look at the earlier feature maps,"
         " shrunk by pooling, and combine them into strokes, corners and shapes. The stride and"
         " the padding decide the output's size (the Conv2d page has the formula)."),
        "out[i, j] = Σₘ Σₙ kernel[m, n] × image[i + m, j + n] + bias",
        (("lenet_shapes", "a LeNet-style CNN that learns to tell circles, squares and triangles"
                          " apart: its Feature maps tab shows what each kernel finds"),
         ("residual_cnn", "a deeper CNN with a skip connection")),
        ("layer:Conv2d", "layer:MaxPool2d", "layer:Flatten"), "kernel",
        ("convolution", "kernel", "filter", "feature map", "cnn", "edge", "blur", "sharpen")),
    Concept(
        "concept:recurrence", "Recurrence and LSTM gates",
        "Reading a sequence step by step with a memory, and the gates that decide what it keeps.",
        ("A recurrent layer reads a sequence one step at a time and carries a memory, its hidden"
         " state, from each step to the next: new state = tanh(W·input + U·previous state + b)."
         " The same weights are used at every step, so the layer handles sequences of any length.",
         "Training goes back through the steps too (backpropagation through time). Over a long"
         " sequence the gradient is multiplied by the same weights again and again, and it tends"
         " to fade away. A plain RNN therefore forgets what happened many steps ago.",
         "An LSTM adds a cell state, a conveyor belt that information can ride along unchanged,"
         " and three gates: small sigmoid layers whose outputs, between 0 and 1, open or close a"
         " path. The forget gate decides how much of the old cell state to keep, the input gate"
         " how much of the new candidate to write, and the output gate how much of the cell to"
         " show as the hidden state. Because the cell is updated by adding rather than by"
         " multiplying, gradients survive over long distances. A GRU is a lighter variant with"
         " two gates.",
         "The LSTM sine waves example reads noisy waves one step at a time and learns whether"
         " each is slow, medium or fast."),
        "forget f = σ(W_f·[h, x] + b_f)    input i = σ(W_i·[h, x] + b_i)    output o = σ(W_o·[h, x] + b_o)\n"
        "cell c ← f·c + i·tanh(W_c·[h, x] + b_c)\nhidden h = o·tanh(c)",
        (("lstm_sine", "an LSTM that tells slow, medium and fast waves apart"),),
        ("layer:LSTM", "layer:GRU", "layer:RNN"), None,
        ("recurrent", "rnn", "lstm", "gru", "gate", "sequence", "time series", "hidden state")),
    Concept(
        "concept:autoencoder", "Autoencoders",
        "Squeeze the input into a few numbers and rebuild it: learning without labels.",
        ("An autoencoder learns to copy its input through a bottleneck. An encoder squeezes the"
         " image into a few numbers (the code, or latent vector) and a decoder rebuilds the image"
         " from them. The target is the input itself, so no labels are needed: the loss compares"
         " the rebuilt image with the original.",
         "What each part does. The encoder is the layers from the Input to the bottleneck: in the"
         " Autoencoder example a Flatten and Linear layers that narrow 784 pixels to 128 numbers,"
         " then to 16. The bottleneck is the narrowest layer: everything the decoder learns about"
         " an image passes through its 16 numbers. The decoder is the layers after it, widening"
         " back to the image's size. The Output rebuilds the input (its target is input, or the"
         " data's task is reconstruction), and the loss is the mean squared error, pixel by pixel.",
         "Because the code is small, the network must keep what matters and drop the rest. The"
         " code becomes a compact description of the image, useful to compress, to remove noise,"
         " to spot unusual samples (they rebuild badly) or as features for another model.",
         "Watch it train. The Reconstructions tab shows 16 fixed validation images, each row above"
         " the row of what the network rebuilds from them: grey blobs at first, then the right"
         " shape, then its edges (for a table, a bar per column shows its reconstruction error"
         " instead). The Latent space tab shows the validation images' codes, one colour per"
         " class: a code of 16 numbers is drawn on its two principal components, the two"
         " directions in which the codes differ most. Shapes of one kind gather together,"
         " although the network was never told the classes."),
        "loss = reconstruction error(decoder(encoder(x)), x)",
        (("autoencoder", "squeezes shape images through a 16-number code and rebuilds them"),
         ("autoencoder_classifier", "a classifier and a decoder share one code: rebuilding the"
                                    " image keeps the code a description of the whole picture")),
        ("concept:vae", "concept:gan", "layer:ConvTranspose2d"), None,
        ("autoencoder", "latent", "encoder", "decoder", "reconstruction", "bottleneck", "code",
         "unsupervised"),
        pictures=(("autoencoder_reconstructions.png",
                   "The Reconstructions tab after 20 epochs of the Autoencoder example: each row of"
                   " validation shapes above the row of their reconstructions."),
                  ("autoencoder_latent.png",
                   "The Latent space tab of the same run: the validation shapes' 16-number codes on"
                   " their two principal components, coloured by shape."))),
    Concept(
        "concept:vae", "Variational autoencoders (VAE)",
        "An autoencoder whose codes follow a known distribution, so random codes decode into new samples.",
        ("A variational autoencoder (VAE) makes the code a probability distribution. Where an"
         " autoencoder's encoder gives one code per image, a VAE's gives a small cloud of codes:"
         " a mean and a spread for every number of the code. A second loss term keeps all these"
         " clouds close to the standard normal distribution N(0, 1). Then every point near the"
         " centre of the code space decodes into a plausible image, and decoding codes drawn at"
         " random generates new images.",
         "What each part does. The encoder ends in two Linear layers side by side: mean and"
         " log_var (the logarithm of the variance) of every code number. The Sample layer takes"
         " both. While training it draws a code z = mean + exp(log_var / 2) × noise, so the"
         " decoder learns to rebuild the image from any code near the mean, not one exact point;"
         " when predicting it passes the mean. It also adds the KL divergence to the loss: how far"
         " each image's cloud is from N(0, 1), summed over the code numbers (its warm-up epochs"
         " let the reconstruction learn first). The decoder, the layers after Sample, rebuilds the"
         " image as in any autoencoder. After training it is a generator on its own: Export ▸"
         " Generate Samples decodes random codes.",
         "Watch it train. The VAE samples tab decodes the same 36 codes drawn from N(0, 1) every"
         " few batches: noise at first, then blurry blobs, then images like the data's. Beside it"
         " the latent walk moves two code numbers (the two that differ most between images)"
         " from −2.5 to 2.5, across and down, with the others at 0: one kind of image turns smoothly into another, because the code"
         " space has no gaps. The Latent space tab scatters the validation images' means: the"
         " KL term holds the cloud near the origin, the classes in regions side by side. The"
         " Reconstructions tab works as for any autoencoder; a VAE's are a little blurrier."),
        "z = mean + exp(log_var / 2) × ε,   ε ~ N(0, 1)\n"
        "loss = reconstruction error + KL(N(mean, exp(log_var)) ‖ N(0, 1))\n"
        "KL = −½ × Σ (1 + log_var − mean² − exp(log_var))",
        (("vae_digits", "a VAE with a 6-number code: decode random codes into new 8×8 digits"),),
        ("concept:autoencoder", "concept:gan", "layer:Sample"), None,
        ("vae", "variational", "latent", "sample", "kl", "prior", "generative", "reparameterisation",
         "latent walk"),
        pictures=(("vae_samples.png",
                   "The VAE samples tab of the Variational autoencoder example: the decoder on"
                   " 36 fixed codes drawn from N(0, 1), and the walk over the two busiest code numbers."),
                  ("vae_latent.png",
                   "The Latent space tab of the same run: each validation image's mean code (on"
                   " its two principal components when wider than 2), coloured by class."))),
    Concept(
        "concept:gan", "Generative adversarial networks (GANs)",
        "Two networks in a contest: a generator makes fakes, a discriminator spots them.",
        ("A GAN trains two networks against each other. The generator turns random noise into"
         " samples, such as images. The discriminator looks at a sample and says whether it is"
         " real (from the data) or fake (from the generator).",
         "They take turns. The discriminator is trained to tell real from fake; the generator is"
         " trained to fool it, through the gradient that flows back through the discriminator."
         " As both improve, the generator's samples become harder and harder to tell from real"
         " ones. The generator never sees a real image: everything it learns comes through the"
         " discriminator's gradient.",
         "What each part does. The noise Input draws a fresh batch of random numbers at every"
         " step: the generator's only input. The generator's layers turn them into a sample of"
         " the data's shape and end in an Output whose target is generator. The discriminator's"
         " layers read a sample, real or generated, and end in an Output whose target is"
         " discriminator: one number, its score for 'real'. Training alternates: a discriminator"
         " step on a real and a generated batch, then a generator step whose gradient comes back"
         " through the discriminator, which that step does not change.",
         "GANs are powerful but delicate. If one side wins too easily the other stops learning,"
         " and the generator may settle on a few kinds of output (mode collapse). Watch both"
         " losses: they should stay in balance rather than one of them falling to zero.",
         "Watch it train. The Samples tab shows what the generator makes of the same 36 noise"
         " vectors every 50 batches: noise, then smudges, then shapes like the data's; beside"
         " it the samples' diversity falls towards 0 if they come to look alike (mode collapse)."
         " The Discriminator tab draws D(x) and D(G(z)), the discriminator's mean probability of"
         " 'real' on real and on generated batches: near 0.5 both when the two networks are"
         " matched; D(G(z)) near 0 for long means the discriminator wins and the generator"
         " learns little."),
        "discriminator: maximise log D(x) + log(1 − D(G(z)))\ngenerator: maximise log D(G(z))",
        (("gan_digits", "a small GAN that learns to draw handwritten digits from noise"),
         ("cgan_digits", "a conditional GAN: the class label as a second Input, to draw the digit you ask for")),
        ("concept:autoencoder", "concept:vae"), None,
        ("gan", "generative", "adversarial", "generator", "discriminator", "mode collapse"),
        pictures=(("gan_samples.png",
                   "The Samples tab of the GAN example: the generator's pictures of 36 fixed noise"
                   " vectors, and their diversity per epoch."),
                  ("gan_discriminator.png",
                   "The Discriminator tab of the same run: D(x) on real batches and D(G(z)) on"
                   " generated ones, around the coin toss at 0.5."))),
    Concept(
        "concept:transfer", "Transfer learning",
        "Start from a network trained on other data, and teach only its last layers your task.",
        ("A network trained on a large dataset has learned general features, such as edges,"
         " textures and strokes, in its early layers. Transfer learning reuses them: start from"
         " the trained weights, freeze the early layers (the lock on their cards), replace the"
         " last layers with a new head for your classes, and train only that head on your data.",
         "It needs far less data and time than training from scratch, because only a few weights"
         " still have to learn. With more data, unlock some of the later layers too and fine-tune"
         " them with a small learning rate, so the features adapt without being wiped out.",
         "The fine-tuning example starts from a CNN pretrained on the built-in shapes and learns"
         " four new glyphs from 20 images each. Train ▸ Fine-tune from a Run… does the same with"
         " one of your own runs."),
        "",
        (("finetune_glyphs", "a pretrained, frozen CNN learns four new glyphs from 20 images each"),),
        ("concept:convolution", "topic:overfitting"), None,
        ("transfer", "fine-tune", "finetune", "pretrained", "freeze", "frozen", "backbone", "head")),
    Concept(
        "concept:regularisation", "Overfitting and regularisation",
        "When a network memorises its samples instead of the pattern, and how to stop it.",
        ("A network with many weights can memorise its training samples, noise and all, instead"
         " of learning the pattern behind them. It then does well on the training data and badly"
         " on new data: it overfits. The curves show it: the training loss keeps falling while"
         " the validation loss stops falling and turns upwards.",
         "Regularisation makes memorising harder. Dropout switches off random units during"
         " training, so no unit can rely on another. Weight decay pulls every weight a little"
         " towards zero at each step, which keeps the learned function smooth. Early stopping"
         " ends training when the validation metric stops improving and keeps the best epoch's"
         " weights. For images, augmentation shows slightly changed copies of each sample. More"
         " data is the best remedy of all, and a smaller network the simplest.",
         "Try it on the Spiral MLP: choose Data ▸ Built-in Dataset… and keep only 100 samples,"
         " set 400 epochs, and train. Watch the two loss curves in the Loss & metrics tab. Then"
         " add a Dropout after each ReLU, or set a weight decay, and train again. Train ▸"
         " Diagnose… has a data-size check that says whether more data would help."),
        "",
        (("spiral_mlp", "a network big enough to memorise a small spiral: shrink the data and see"),),
        ("topic:overfitting", "layer:Dropout", "topic:learning_rate"), None,
        ("overfitting", "regularization", "regularisation", "dropout", "weight decay", "early stopping",
         "validation", "augmentation", "generalisation")),
)


def concept(key: str) -> Concept:
    """The concept page ``key`` (``concept:perceptron``); KeyError when there is none."""
    for page in CONCEPTS:
        if page.key == key:
            return page
    raise KeyError(f"the guide has no concept page {key!r}")


@lru_cache(maxsize=None)
def example_title(stem: str) -> str | None:
    """The shipped example ``stem``'s name (its ``.lfproj``'s ``name``), or None when it is not
    shipped."""
    path = examples_dir() / f"{stem}.lfproj"
    if not path.is_file():
        return None
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("name") or stem)
    except (OSError, ValueError):
        return None


def picture_path(name: str):
    """The guide picture ``name`` (``resources/guide/<name>``), or None when it is not shipped."""
    from core.resources import resource_path

    path = resource_path("guide", name)
    return path if path.is_file() else None


def shipped_pictures(page: Concept) -> list[tuple[object, str]]:
    """``(path, caption)`` of the page's pictures that are shipped, in order."""
    return [(path, caption) for name, caption in page.pictures
            if (path := picture_path(name)) is not None]


def shipped_examples(page: Concept) -> list[tuple[str, str, str]]:
    """``(stem, title, why)`` of the page's examples that are shipped, in order."""
    found = []
    for stem, why in page.examples:
        title = example_title(stem)
        if title is not None:
            found.append((stem, title, why))
    return found


def missing_examples(page: Concept) -> list[str]:
    """The page's example stems that are not shipped (yet)."""
    return [stem for stem, _why in page.examples if example_title(stem) is None]


def entries():
    """The concept pages as ``core.guide_texts.GuideEntry`` objects, by key, in order."""
    from core.guide_texts import GuideEntry

    return {page.key: GuideEntry(page.key, page.title, GROUP, page.summary, "\n\n".join(page.paragraphs),
                                 page.formula, "Formula", "", (), None, ("concept", "idea", *page.words))
            for page in CONCEPTS}
