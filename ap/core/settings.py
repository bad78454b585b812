"""The ap.yaml keys scope enforcement reads, for the pre-commit hook: without pydantic.

:class:`ap.core.config.ApConfig` is the one schema of ap.yaml: the defaults below are its
defaults, and :meth:`Settings.load` never reads ap.yaml by other rules. It takes the
settings from a cache keyed by ap.yaml's bytes (a marshal file under
``<git dir>/ap/cache``, never stale); on a miss, ap.yaml is validated by ApConfig
(the one time the hook loads pydantic for that ap.yaml) and the result kept. So
the hook and the command line accept and refuse exactly the same files.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from ap.core.defaults import (
    CONFIG_FILE,
    DEFAULT_BRANCH_PREFIX,
    DEFAULT_CASE_SENSITIVE,
    DEFAULT_STATE_DIR,
)
from ap.core.ids import Branches

if TYPE_CHECKING:
    from pathlib import Path

    from ap.core.config import ApConfig


class Settings(NamedTuple):
    """The few ap.yaml keys enforcement needs, as :class:`ApConfig` validated them."""

    state_dir: str = DEFAULT_STATE_DIR
    branch_prefix: str = DEFAULT_BRANCH_PREFIX
    case_sensitive: bool = DEFAULT_CASE_SENSITIVE

    @property
    def branches(self) -> Branches:
        return Branches(self.branch_prefix)

    @classmethod
    def of(cls, config: ApConfig) -> Settings:
        """The settings of a validated ap.yaml."""
        return cls(config.state_dir, config.branch_prefix, config.case_sensitive_scopes)

    @classmethod
    def load(cls, root: Path | str, cache: str | None = None) -> Settings:
        """ap.yaml's settings at ``root`` (the defaults when there is none).

        With a ``cache`` folder, they are kept under the hash of ap.yaml's bytes, so
        an ap.yaml seen before is not validated again. Raises ConfigError as
        :func:`ap.core.config.load_config` does.
        """
        try:
            with open(os.path.join(root, CONFIG_FILE), "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return cls()
        except OSError:  # a folder, unreadable, ...: the full loader says what is wrong
            return cls._validated(root)
        if cache is None:
            return cls._parsed(raw)
        import hashlib

        from ap.core.hookcache import CACHE_SUFFIX, read_cache, write_cache

        file = os.path.join(cache, f"settings-{hashlib.sha1(raw).hexdigest()}{CACHE_SUFFIX}")
        cached = read_cache(file, cls)
        if cached is not None:
            return cached
        settings = cls._parsed(raw)
        write_cache(file, settings._asdict())
        return settings

    @classmethod
    def _parsed(cls, raw: bytes) -> Settings:
        from ap.core.config import parse_config  # (pydantic: only for an ap.yaml not seen before)

        return cls.of(parse_config(raw))

    @classmethod
    def _validated(cls, root: Path | str) -> Settings:
        from pathlib import Path

        from ap.core.config import load_config

        return cls.of(load_config(Path(root)))
