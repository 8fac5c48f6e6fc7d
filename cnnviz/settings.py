"""Whole-number settings read from the environment: the limits and counts whoever runs cnnviz may change."""

import os

from .i18n import Invalid


def whole_number(name: str, default: int) -> int:
    """$name as a whole number of at least 1, else `default` when unset; ValueError naming the variable otherwise."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Invalid("{name}={text!r} must be a whole number of at least 1", name=name, text=text) from None
    if value < 1:
        raise Invalid("{name} must be at least 1, got {got}", name=name, got=value)
    return value
