import pytest

from cnnviz import i18n
from cnnviz.train_config import parse_lr


@pytest.mark.parametrize(
    "text, value", [("", None), ("   ", None), (None, None), ("0.001", 0.001), (" 2e-3 ", 0.002), ("1", 1.0)]
)
def test_a_typed_learning_rate_is_a_number_or_empty(text, value):
    assert parse_lr(text) == value


@pytest.mark.parametrize("text", ["0", "-0.5", "fast", "1e-0x", "inf", "nan", "-inf"])
def test_a_typed_learning_rate_that_cannot_train_is_refused_as_typed(text):
    with pytest.raises(ValueError) as e:
        parse_lr(f" {text} ")
    assert str(e.value) == f"the learning rate must be a positive number such as 0.001, got {text}"
    assert i18n.message_text(e.value, "zh") == f"学习率必须是正数，例如 0.001，实际输入为 {text}"


def test_an_empty_learning_rate_is_refused_where_one_is_required():
    with pytest.raises(ValueError, match="^type a learning rate first$"):
        parse_lr("  ", required=True)
    assert parse_lr("0.5", required=True) == 0.5
