import pytest

from cnnviz.optim import one_cycle_lr


def test_one_cycle_schedule_warms_up_then_decays():
    lrs = [one_cycle_lr(1.0, s, 100) for s in range(101)]
    assert lrs[0] == pytest.approx(0.04) and lrs[25] == pytest.approx(1.0)
    assert lrs[100] == pytest.approx(0.001) and max(lrs) == lrs[25]
