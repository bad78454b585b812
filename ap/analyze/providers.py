"""Where an LLM analyst's answer comes from: Anthropic, an OpenAI-compatible server, a command.

SDKs are imported lazily (they are an optional extra); keys come only from
environment variables and never appear in messages or logs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from typing import Any, Protocol

from ap.core.config import AnalystConfig
from ap.core.errors import CheckFailed, ConfigError

Message = dict[str, str]
DEFAULT_MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-4o"}
INSTALL_HINT = "pip install 'analytic-programming[llm]'"


class AnalystError(CheckFailed):
    """The analyst could not produce a usable answer (exit 1)."""


class Provider(Protocol):
    def complete(self, system: str, messages: list[Message]) -> str: ...


def _key(config: AnalystConfig, default_env: str, *, required: bool) -> str | None:
    env = config.api_key_env or default_env
    value = os.environ.get(env)
    if not value and required:
        raise ConfigError(
            f"analyst {config.kind}: the environment variable {env} is not set",
            hint=f"export {env}=...",
        )
    return value


def _import(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        raise ConfigError(
            f"the {name} package is needed for analyst kind {name}", hint=INSTALL_HINT
        ) from None


def _call(sdk: Any, config: AnalystConfig, request: Callable[[], Any]) -> Any:
    """Make one SDK request; its failures become AnalystError (no key, no body echoed)."""
    try:
        return request()
    except sdk.APITimeoutError:
        raise AnalystError(
            f"the {config.kind} analyst timed out after {config.timeout:g} s"
        ) from None
    except sdk.APIError as exc:
        raise AnalystError(f"the {config.kind} analyst failed: {type(exc).__name__}") from None


class AnthropicProvider:
    """The Anthropic Messages API through the anthropic SDK."""

    def __init__(self, config: AnalystConfig) -> None:
        self.sdk = _import("anthropic")
        self.config = config
        self.client = self.sdk.Anthropic(
            api_key=_key(config, "ANTHROPIC_API_KEY", required=True),
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
        )

    def complete(self, system: str, messages: list[Message]) -> str:
        response = _call(
            self.sdk,
            self.config,
            lambda: self.client.messages.create(
                model=self.config.model or DEFAULT_MODELS["anthropic"],
                max_tokens=8192,
                system=system,
                messages=messages,
            ),
        )
        return "".join(getattr(block, "text", "") for block in response.content)


class OpenAIProvider:
    """Chat completions on OpenAI or any compatible server (Ollama, vLLM, LM Studio, …)."""

    def __init__(self, config: AnalystConfig) -> None:
        self.sdk = _import("openai")
        self.config = config
        # Local servers need no key; the SDK insists on one, so give it a placeholder.
        key = _key(config, "OPENAI_API_KEY", required=config.base_url is None) or "not-needed"
        self.client = self.sdk.OpenAI(
            api_key=key, base_url=config.base_url, timeout=config.timeout, max_retries=0
        )

    def complete(self, system: str, messages: list[Message]) -> str:
        response = _call(
            self.sdk,
            self.config,
            lambda: self.client.chat.completions.create(
                model=self.config.model or DEFAULT_MODELS["openai"],
                messages=[{"role": "system", "content": system}, *messages],
            ),
        )
        return str(response.choices[0].message.content or "")


class CommandProvider:
    """Any CLI that reads the prompt on stdin and prints the JSON answer on stdout."""

    def __init__(self, config: AnalystConfig) -> None:
        if not config.command:
            raise ConfigError(
                "analyst kind command needs `command` in ap.yaml",
                hint="add `command: [program, arg, ...]` under `analyst:` in ap.yaml",
            )
        self.argv = (
            shlex.split(config.command) if isinstance(config.command, str) else list(config.command)
        )
        self.timeout = config.timeout

    def complete(self, system: str, messages: list[Message]) -> str:
        prompt = "\n\n".join([system, *(f"[{m['role']}]\n{m['content']}" for m in messages)])
        try:
            proc = subprocess.run(
                self.argv,
                input=prompt,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AnalystError(f"the analyst command timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise ConfigError(
                f"cannot run the analyst command {self.argv[0]!r}: {exc.strerror}",
                hint="install it or fix `analyst.command` in ap.yaml; "
                "or plan offline with --analyst heuristic",
            ) from None
        if proc.returncode != 0:
            raise AnalystError(
                f"the analyst command exited {proc.returncode}: {proc.stderr.strip()[-300:]}"
            )
        return proc.stdout


def make_provider(config: AnalystConfig) -> Provider:
    """The provider for ``config.kind``."""
    kinds: dict[str, type[AnthropicProvider] | type[OpenAIProvider] | type[CommandProvider]] = {
        "anthropic": AnthropicProvider,
        "openai": OpenAIProvider,
        "command": CommandProvider,
    }
    if config.kind not in kinds:
        raise ConfigError(
            f"analyst kind {config.kind!r} is not an LLM analyst",
            hint="choose one of --analyst anthropic, openai or command",
        )
    return kinds[config.kind](config)
