"""Small networks with hand-set weights, whose every output the tests compute by hand; small pictures."""

import io

import numpy as np
import torch
from PIL import Image

from cnnviz import arch
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten


def toy_model():
    """input (1, 4, 4) -> conv 1@3x3 relu -> flatten -> dense 2, with hand-set weights."""
    spec = ArchSpec((1, 4, 4), (Conv(1, 3, activation="relu"), Flatten(), Dense(2, "none")), "toy")
    model = arch.build(spec)
    with torch.no_grad():
        model.conv1.weight.copy_(torch.tensor([[[[2.0, 0, -1], [1, 0, -1], [1, 0, -1]]]]))
        model.conv1.bias.fill_(0.5)
        model.dense1.weight.copy_(torch.tensor([[1.0, 0, 2, -1], [0, 1, 0, 1]]))
        model.dense1.bias.copy_(torch.tensor([0.5, -1.0]))
    return spec, model


TOY_X = torch.tensor([[[3.0, 2, 0, 1], [0, 1, 3, 1], [2, 0, 1, 0], [1, 3, 0, 2]]])  # (1, 4, 4)


def png(array) -> bytes:
    """A picture as the PNG bytes a user would upload."""
    out = io.BytesIO()
    Image.fromarray(np.asarray(array, np.uint8)).save(out, format="PNG")
    return out.getvalue()


def square(side=60, ink=(15, 45)) -> np.ndarray:
    """A white square of ink on black, like a thick digit."""
    a = np.zeros((side, side), np.uint8)
    a[ink[0] : ink[1], ink[0] : ink[1]] = 255
    return a
