"""Augmentation for tiny datasets: exact moves and seeded draws within the limits (the exported script's copy of
it is held equal in test_export_templates.py)."""

import torch

from cnnviz import augment


def dot(row: int, col: int, side: int = 9) -> torch.Tensor:
    x = torch.zeros(1, 1, side, side)
    x[0, 0, row, col] = 1.0
    return x


def where(x: torch.Tensor) -> list[list[int]]:
    return (x[0, 0] > 0.5).nonzero().tolist()


def test_a_whole_pixel_shift_moves_every_pixel_exactly():
    moved = augment.shift_and_turn(dot(4, 6), torch.tensor([[1.0, 2.0]]), torch.tensor([0.0]))
    assert where(moved) == [[6, 7]] and moved.sum().item() == 1.0  # one right, two down, nothing blurred
    back = augment.shift_and_turn(dot(4, 6), torch.tensor([[-3.0, -1.0]]), torch.tensor([0.0]))
    assert where(back) == [[3, 3]]


def test_a_turn_is_clockwise_about_the_centre():
    assert where(augment.shift_and_turn(dot(4, 6), torch.zeros(1, 2), torch.tensor([90.0]))) == [[6, 4]]
    assert where(augment.shift_and_turn(dot(4, 6), torch.zeros(1, 2), torch.tensor([-90.0]))) == [[2, 4]]
    assert torch.equal(augment.shift_and_turn(dot(4, 6), torch.zeros(1, 2), torch.tensor([0.0])), dot(4, 6))


def test_edges_repeat_so_a_black_background_stays_black():
    x = torch.full((2, 1, 12, 12), -0.4242)  # MNIST's normalised black
    x[:, :, 4:8, 4:8] = 2.8
    moved = augment.augment(x, torch.Generator().manual_seed(0))
    edges = torch.cat([moved[:, :, 0, :], moved[:, :, :, -1]], dim=-1)
    assert torch.allclose(edges, torch.tensor(-0.4242), atol=1e-5)  # no zeros (mid-grey) pulled in at the edges


def test_moves_are_seeded_and_within_the_limits():
    shift, degrees = augment.random_moves(10_000, torch.Generator().manual_seed(3))
    assert shift.abs().max() <= augment.MAX_SHIFT_PX and degrees.abs().max() <= augment.MAX_TURN_DEGREES
    assert shift.abs().max() > 0.99 * augment.MAX_SHIFT_PX and degrees.abs().max() > 0.99 * augment.MAX_TURN_DEGREES
    again = augment.random_moves(10_000, torch.Generator().manual_seed(3))
    assert torch.equal(shift, again[0]) and torch.equal(degrees, again[1])
