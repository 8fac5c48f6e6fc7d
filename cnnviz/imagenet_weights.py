"""The ImageNet networks' weight files: torchvision's, read only from the torch hub cache
(`torch.hub.get_dir()/checkpoints/<file>`, where torchvision itself would keep them).

Nothing is fetched behind your back: `download_weights` runs only when asked, writes a temporary file, checks its
checksum and that it holds plain tensors (`torch.load(weights_only=True)` refuses pickled code), then renames it
into place. `read_weights` checks a file the same way, checksum first, before `pretrained.load` builds on it.
Each function takes the network's `pretrained.ModelEntry`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch

from .i18n import Message, Translated

if TYPE_CHECKING:
    from .pretrained import ModelEntry

Progress = Callable[[float | None, str], None]  # (fraction done 0..1, or None when the size is unknown; message)
CHUNK = 1 << 20
TIMEOUT_S = 30


class WeightsError(Translated, ValueError):
    """Weights that are missing, cannot be downloaded or are damaged, with what to do about it."""


def weights_file(entry: ModelEntry) -> Path:
    """Where the weights file of a network lives: <torch hub dir>/checkpoints/<file name from the URL>."""
    return Path(torch.hub.get_dir()) / "checkpoints" / entry.file_name


def weights_present(entry: ModelEntry) -> bool:
    path = weights_file(entry)
    return path.is_file() and path.stat().st_size > 0


def missing_message(entry: ModelEntry) -> Message:
    """What to do without the weights: the file, its size, where to get it, and the folder to put it in."""
    path = weights_file(entry)
    return Message(
        "The ImageNet weights of {title} are not on this computer. Put the file {file} ({mb:.0f} MB, "
        "from {url}) into the folder {folder}.",
        title=Message(entry.title),
        file=entry.file_name,
        mb=entry.size_mb,
        url=entry.url,
        folder=path.parent,
    )


def _check_state(state, entry: ModelEntry, path: Path) -> dict:
    """A state dict whose names and shapes fit the network (checked on the meta device: no memory, no time)."""
    damaged = Message("{file} in {folder} is not a usable weights file", file=path.name, folder=path.parent)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(
            "{damaged}: it does not hold a table of tensors. Delete it and download it again.", damaged=damaged
        )
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in entry.builder(weights=None).state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state.items()}
    if got != expected:
        wrong = sorted(set(got) ^ set(expected)) or sorted(k for k in got if got[k] != expected[k])
        raise WeightsError(
            "{damaged}: its tensors do not fit {title} (first difference: {first}). Delete it and download it again.",
            damaged=damaged,
            title=Message(entry.title),
            first=wrong[0],
        )
    return state


def read_weights(entry: ModelEntry, path: Path | None = None) -> dict[str, torch.Tensor]:
    """Load a weights file safely (`weights_only=True`: tensors only, never pickled code) and check it fits.

    Raises:
        WeightsError for a missing, truncated, pickled-code or mismatched file, saying what to do.
    """
    path = Path(path or weights_file(entry))
    if not path.is_file():
        raise WeightsError(missing_message(entry))
    # torchvision's files are PyTorch archives: only the official file (by checksum) reaches the restricted loader
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    if not digest.hexdigest().startswith(entry.sha256_prefix):
        raise WeightsError(
            "{file} in {folder} is not the official file (its checksum starts {got}, expected "
            "{expected}). Delete it and download it again.",
            file=path.name,
            folder=path.parent,
            got=digest.hexdigest()[:8],
            expected=entry.sha256_prefix,
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, pickle with code, random bytes: all end here
        raise WeightsError(
            "{file} in {folder} is damaged or not a plain weights file ({error}: {reason}). "
            "Delete it and download it again.",
            file=path.name,
            folder=path.parent,
            error=type(e).__name__,
            reason=str(e)[:120],
        ) from None
    return _check_state(state, entry, path)


def download_weights(entry: ModelEntry, progress: Progress | None = None) -> Path:
    """Fetch a network's weights into the hub cache: temporary file, checksum, safe load, then rename.

    The file name carries the first hex digits of its SHA-256 (torchvision's convention); they must match.
    Raises:
        WeightsError when offline (naming the file and the folder to put it in) or when the file is bad.
    """
    final = weights_file(entry)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.part")
    digest = hashlib.sha256()
    try:
        try:
            with urllib.request.urlopen(entry.url, timeout=TIMEOUT_S) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) if response.headers else 0
                done = 0
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(
                            min(done / total, 1.0) if total else None,
                            f"{entry.file_name}: {done / 1e6:.0f} of {total / 1e6:.0f} MB"
                            if total
                            else f"{entry.file_name}: {done / 1e6:.0f} MB",
                        )
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or e
            raise WeightsError(
                "Could not download {file} ({reason}). Without internet here: fetch {url} on "
                "another computer and put the file into the folder {folder}, then reload.",
                file=entry.file_name,
                reason=reason,
                url=entry.url,
                folder=final.parent,
            ) from None
        prefix = entry.sha256_prefix
        if not digest.hexdigest().startswith(prefix):
            raise WeightsError(
                "the downloaded {file} has the wrong checksum ({got}, expected {expected}): it was "
                "not kept. Try again.",
                file=entry.file_name,
                got=digest.hexdigest()[:8],
                expected=prefix,
            )
        read_weights(entry, tmp)
        os.replace(tmp, final)  # appears complete or not at all
    finally:
        tmp.unlink(missing_ok=True)
    return final
