"""The text of the exported training script (`export.script` fills it in): the template (`TEMPLATE`, read top to
bottom like the script itself), the four loaders of a run's data (`LOADERS`), and the pieces a run may add or
choose (its optimiser, schedule, augmentation and handcrafted first layer).

Everything here is the script's own code, written as a learner will read it; the loop copies `train._loop` step
for step, and `AUGMENT_CODE` is `augment.augment` written out (a test holds them equal).
"""

from __future__ import annotations

from string import Template

STDLIB = ["import argparse", "import math", "from collections import OrderedDict"]
THIRD_PARTY = ["import numpy as np", "import torch", "import torch.nn.functional as F", "from torch import nn"]

OPTIMIZER_CODE = {  # the same optimisers as optim.make_optimizer
    "adam": "torch.optim.Adam(params, lr=LEARNING_RATE)",
    "sgd": "torch.optim.SGD(params, lr=LEARNING_RATE, momentum=0.9, nesterov=True)",
    "adadelta": "torch.optim.Adadelta(params, lr=LEARNING_RATE)",
    "rmsprop": "torch.optim.RMSprop(params, lr=LEARNING_RATE)",
}

SCHEDULE_CODE = {  # the same schedules as optim.one_cycle_lr and a constant rate
    "onecycle": '''\
def learning_rate(step, total_steps):
    """One-cycle: a linear warm-up to LEARNING_RATE over the first quarter of training (large steps too early
    can throw a fresh network off), then a cosine decay to a thousandth of it (small steps at the end settle)."""
    t = step / max(total_steps, 1)
    if t < 0.25:
        return LEARNING_RATE * (0.04 + 0.96 * t / 0.25)
    progress = (t - 0.25) / (1 - 0.25)
    return LEARNING_RATE * (0.001 + 0.999 * 0.5 * (1 + math.cos(math.pi * progress)))''',
    "constant": '''\
def learning_rate(step, total_steps):
    """A constant learning rate: every step is as large as the first."""
    return LEARNING_RATE''',
}

# ---------------------------------------------------------------- the four ways a run's data is read

IMAGES_CODE = '''\
def as_images(array):
    """uint8 images as a tensor (N, C, H, W); grey images (N, H, W) get their one channel."""
    x = torch.as_tensor(np.ascontiguousarray(array), dtype=torch.uint8)
    return x.unsqueeze(1) if x.ndim == 3 else x


def as_labels(array):
    return torch.as_tensor(np.asarray(array), dtype=torch.int64)'''

LOADERS = {
    "npz": (
        [],
        [],
        '''\
def load_data(path):
    """The MNIST sample that ships with cnnviz (4,000 training and 1,000 test digits), from its .npz file."""
    with np.load(path) as f:
        return as_images(f["x_train"]), as_labels(f["y_train"]), as_images(f["x_test"]), as_labels(f["y_test"])''',
    ),
    "torchvision": (
        [],
        ["from torchvision import datasets"],
        '''\
def load_data(path):
    """$title from torchvision's files under `path` (download=False: it reads the copy already there)."""
    train = datasets.$cls(path, train=True, download=False)
    test = datasets.$cls(path, train=False, download=False)
    return (as_images(train.data.numpy()), as_labels(train.targets),
            as_images(test.data.numpy()), as_labels(test.targets))''',
    ),
    "cifar": (
        [],
        ["from torchvision import datasets"],
        '''\
def load_data(path):
    """CIFAR-10 from torchvision's files under `path` (download=False: it reads the copy already there)."""
    train = datasets.CIFAR10(path, train=True, download=False)
    test = datasets.CIFAR10(path, train=False, download=False)
    # torchvision keeps the photos as (N, height, width, colour); PyTorch layers want (N, colour, height, width)
    return (as_images(train.data.transpose(0, 3, 1, 2)), as_labels(train.targets),
            as_images(test.data.transpose(0, 3, 1, 2)), as_labels(test.targets))''',
    ),
    "folder": (
        ["import os", "from pathlib import Path"],
        ["from PIL import Image, ImageOps  # Pillow, which torchvision installs"],
        '''\
SIZE, CHANNELS = $size, $channels  # every image is resized to SIZE x SIZE and read as grey (1) or colour (3)
CLASSES = $classes
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def images_by_class(folder):
    """{class name: its image files}: one sub-folder per class, all in sorted order (so the labels and the
    order of the images are the same on every computer); hidden folders and links are skipped."""
    found = {}
    for name in sorted(d.name for d in folder.iterdir() if d.is_dir() and not d.is_symlink()
                       and not d.name.startswith(".")):
        files = []
        for where, dirs, names in os.walk(folder / name):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files += [Path(where) / n for n in names if Path(n).suffix.lower() in IMAGE_SUFFIXES
                      and not (Path(where) / n).is_symlink() and (Path(where) / n).is_file()]
        if files:
            found[name] = sorted(files)
    return found


def read_images(files):
    out = np.empty((len(files), SIZE, SIZE, CHANNELS), np.uint8)
    for i, path in enumerate(files):
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("L" if CHANNELS == 1 else "RGB")  # phones store rotation apart
            out[i] = np.asarray(im.resize((SIZE, SIZE), Image.BILINEAR)).reshape(SIZE, SIZE, CHANNELS)
    return as_images(out.transpose(0, 3, 1, 2))  # (N, H, W, C) -> (N, C, H, W)


def load_data(path):
    """Your image folder: train/ and test/ inside it, or else every fifth image of each class kept for testing."""
    folder = Path(path)
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        train, test = images_by_class(folder / "train"), images_by_class(folder / "test")
        test = {c: test.get(c, []) for c in train}  # a class with no test images is still a class
    else:
        found = images_by_class(folder)
        train = {c: [f for i, f in enumerate(files) if i % 5 != 4] for c, files in found.items()}
        test = {c: files[4::5] for c, files in found.items()}
    if list(train) != CLASSES:
        raise SystemExit(f"{folder} has the classes {list(train)}, but the run learned {CLASSES}")
    # label = the class's place in the sorted list of classes
    y_train = [label for label, files in enumerate(train.values()) for _ in files]
    y_test = [label for label, files in enumerate(test.values()) for _ in files]
    return (read_images([f for files in train.values() for f in files]), as_labels(y_train),
            read_images([f for files in test.values() for f in files]), as_labels(y_test))''',
    ),
}

# ---------------------------------------------------------------- the script

TEMPLATE = Template('''\
"""Run $run_id, trained again with plain PyTorch.

Exported from cnnviz: the same network, data, settings and seeds as the run, in one file you can read top to
bottom and change.

  dataset:   $dataset_title ($dataset)
             $n_train training images, $n_val held back for validation, the test images for the final score
  network:   $network, $params parameters (build_model below, layer by layer)
  settings:  $optimizer, learning rate $lr ($schedule), batch size $batch_size, $epochs epoch(s),
             seed $seed$first_layer_note
  result:    test accuracy $accuracy in cnnviz

How to run it (it needs only PyTorch, torchvision and numpy):

    python THIS_FILE.py                 # the data from where the run read it
    python THIS_FILE.py --data PATH     # or from somewhere else

It prints each epoch's validation accuracy and, as its last line, test_accuracy=<value>. On the machine and
device the run trained on it should give the run's accuracy; elsewhere within noise (sums done in a different
order round differently, and the differences grow over training).
"""
$imports


# ---------------------------------------------------------------- the run's settings

DATA = $data_path  # where the run read its data (--data replaces it)
MEAN = $mean  # the mean and standard deviation of the pixel values (0..1) per colour channel of this dataset
STD = $std
VAL_FRACTION = $val_fraction  # of the training images, held back to measure the network on images it never learns
BATCH_SIZE = $batch_size
EPOCHS = $epochs
LEARNING_RATE = $learning_rate
SEED = $seed  # the starting weights, the validation hold-out and the batch order all follow from it
DEVICE = $device


# ---------------------------------------------------------------- the data


$images


$load_data


def normalize(x):
    """uint8 pixels -> floats with mean 0 and standard deviation 1 per channel: the scale a fresh network learns
    from most easily."""
    mean = torch.tensor(MEAN, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(1, -1, 1, 1)
    return (x.float() / 255.0 - mean) / std


def split_validation(n):
    """(training, validation) indices: a random but fixed shuffle of the n training images (its own generator,
    seeded SEED + 1, so the hold-out does not change whatever else uses random numbers)."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(SEED + 1))
    n_val = int(round(n * VAL_FRACTION))
    return order[n_val:], order[:n_val]


# ---------------------------------------------------------------- the network


def build_model():
    """The network as the run built it: the same layers, names and order, so `model.state_dict()` has the same
    keys as the run's weights.safetensors. The comments give each layer's output for one image."""
    return nn.Sequential(OrderedDict([
$layers
    ]))
$first_layer_code$augment_code

def make_optimizer(params):
    return $optimizer_code


$schedule_code


@torch.no_grad()
def evaluate(model, x, y, batch_size=1000):
    """Mean cross-entropy and accuracy on normalised images x and labels y, in evaluation mode (dropout off,
    batch norm using the statistics it gathered in training)."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        logits = model(x[i:i + batch_size])
        loss_sum += F.cross_entropy(logits, y[i:i + batch_size], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + batch_size]).sum().item()
    n = max(len(x), 1)
    return loss_sum / n, correct / n


# ---------------------------------------------------------------- training


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA, help=f"where the data is (default: {DATA})")
    parser.add_argument("--device", default=DEVICE, help=f"cpu or cuda (default: {DEVICE}, as the run)")
    args = parser.parse_args()
    device = torch.device(args.device)

    # Seed first: the starting weights are drawn as the layers are built, and dropout draws from it too.
    torch.manual_seed(SEED)
    model = build_model().to(device)$first_layer_call

    # The whole dataset goes to the device once, normalised: an epoch is then just indexing.
    x_all, y_all, x_test, y_test = load_data(args.data)
    train_idx, val_idx = split_validation(len(x_all))
    x_all, y_all = normalize(x_all).to(device), y_all.to(device)
    x_train, y_train = x_all[train_idx.to(device)], y_all[train_idx.to(device)]
    x_val, y_val = x_all[val_idx.to(device)], y_all[val_idx.to(device)]

    # Only the weights that learn go to the optimiser.
    optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad])
    steps_per_epoch = len(x_train) // BATCH_SIZE  # the last, smaller batch is dropped: every step sees a full batch
    total_steps = steps_per_epoch * EPOCHS
    batch_order = torch.Generator().manual_seed(SEED)  # the batches' shuffle, with a generator of its own$moves_line
    step = 0
    for epoch in range(EPOCHS):
        model.train()  # dropout on, batch norm learning its statistics
        order = torch.randperm(len(x_train), generator=batch_order).to(device)  # a new shuffle every epoch
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            for group in optimizer.param_groups:  # the schedule sets the learning rate before every step
                group["lr"] = learning_rate(step, total_steps)
            idx = order[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]
            logits = model($batch)
            loss = F.cross_entropy(logits, y_train[idx])  # softmax and the log-loss of the true class, in one
            optimizer.zero_grad(set_to_none=True)  # gradients add up in PyTorch: clear the last step's
            loss.backward()  # backpropagation: the gradient of the loss for every weight
            optimizer.step()  # move every weight a little against its gradient
            step += 1
            loss_sum += loss.item()
        line = f"epoch {epoch + 1}/{EPOCHS}: training loss {loss_sum / max(steps_per_epoch, 1):.4f}"
        if len(x_val):
            val_loss, val_acc = evaluate(model, x_val, y_val)
            line += f", validation loss {val_loss:.4f}, validation accuracy {val_acc:.2%}"
        print(line, flush=True)

    # The test images were never used above: this is the score to compare with the run's.
    test_loss, test_acc = evaluate(model, normalize(x_test).to(device), y_test.to(device))
    print(f"test loss {test_loss:.4f}")
    print(f"test_accuracy={test_acc}")


if __name__ == "__main__":
    main()
''')

AUGMENT_CODE = '''


def augment(x, generator):
    """Each image of the batch shifted by up to 2 pixels each way and turned by up to 10 degrees, so a tiny
    dataset's pictures become many; edge pixels repeat into the space uncovered."""
    n, _, h, w = x.shape
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 2.0  # pixels right, down
    angle = torch.deg2rad((torch.rand(n, generator=generator) * 2 - 1) * 10.0)  # clockwise
    cos, sin = angle.cos(), angle.sin()
    theta = torch.zeros(n, 2, 3)  # for each output pixel, where in the input to read it from (-1..1)
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 0, 2] = cos, sin * h / w, -2 * shift[:, 0] / w
    theta[:, 1, 0], theta[:, 1, 1], theta[:, 1, 2] = -sin * w / h, cos, -2 * shift[:, 1] / h
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)'''

FIRST_LAYER_CODE = Template('''

# The run's first layer did not learn: it holds handcrafted kernels (edges, blurs, ...), fixed from the start.
HANDCRAFTED_KERNELS = (  # (filters, input channels, height, width)
$kernels
)


def fix_first_layer(model):
    """Set $name to the handcrafted kernels (bias zero) and freeze it, so only the layers after it learn."""
    with torch.no_grad():
        model.$name.weight.copy_(torch.tensor(HANDCRAFTED_KERNELS))
        model.$name.bias.zero_()
    model.$name.weight.requires_grad_(False)
    model.$name.bias.requires_grad_(False)
''')
