"""The manifest of a sharded index: how many shards, where they are, how articles
are routed to them, and the analysis settings they share.

A sharded index is a directory holding ``arsearch-shards.json`` and one
ordinary arsearch index directory per shard (``shard-000`` …). An article goes
to the shard ``route(id, shards)``: a stable hash of its id, the same on every
machine and Python, so replacing or removing an article touches one shard.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arsearch.errors import DamagedIndex

MANIFEST_FILE = "arsearch-shards.json"
MANIFEST_FORMAT = 1
#: The routing the manifest records; another one would need a re-shard.
ROUTING = "blake2b-64(id utf-8) mod shards"


def route(article_id: str, shards: int) -> int:
    """The shard of an article: its id's 64-bit BLAKE2b digest modulo the shard count."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_name(number: int) -> str:
    """The directory name of shard ``number``."""
    return f"shard-{number:03d}"


@dataclass(frozen=True)
class Manifest:
    """What ``arsearch-shards.json`` records."""

    shards: int
    directories: tuple[str, ...]
    analysis: dict[str, Any]
    routing: str = ROUTING

    @classmethod
    def new(cls, shards: int, analysis: dict[str, Any]) -> Manifest:
        return cls(shards, tuple(shard_name(i) for i in range(shards)), analysis)

    def shard_paths(self, root: Path) -> list[Path]:
        """Each shard's directory; relative names are under the index's directory."""
        return [Path(name) if os.path.isabs(name) else root / name
                for name in self.directories]

    def write(self, root: Path) -> None:
        """Write the manifest into ``root`` (renamed into place: never half-written)."""
        data = {"format": MANIFEST_FORMAT, "shards": self.shards, "routing": self.routing,
                "directories": list(self.directories), "analysis": self.analysis}
        temporary = root / (MANIFEST_FILE + ".new")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")
        os.replace(temporary, root / MANIFEST_FILE)

    @classmethod
    def read(cls, root: Path) -> Manifest:
        """The manifest of the sharded index at ``root``.

        Raises:
            DamagedIndex: it is unreadable or does not describe shards.
        """
        try:
            data = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
            shards = data["shards"]
            directories = tuple(data["directories"])
            if (data.get("format") != MANIFEST_FORMAT or data.get("routing") != ROUTING
                    or not isinstance(shards, int) or shards < 1
                    or len(directories) != shards
                    or not all(isinstance(d, str) and d for d in directories)):
                raise ValueError("not a manifest this arsearch reads")
            return cls(shards, directories, dict(data.get("analysis") or {}))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise DamagedIndex(str(root), MANIFEST_FILE,
                               f"unreadable ({type(exc).__name__}: {exc})") from None


def is_sharded(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a sharded index (its manifest; nothing is read)."""
    return (Path(path) / MANIFEST_FILE).is_file()
