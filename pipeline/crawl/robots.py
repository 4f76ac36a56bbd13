"""robots.txt as RFC 9309 reads it: 2xx parsed, 4xx allows all, 5xx or unreachable disallows all."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from pipeline.crawl.fetcher import FetchFailure, Response

MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309: at least 500 KiB must be parsed; the rest may be ignored


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


@dataclass
class RobotsPolicy:
    """The rules of one host for our user agent; ``refusal`` is the crawl-log outcome when nothing may be fetched."""

    parser: RobotFileParser | None = None
    refusal: str | None = None
    crawl_delay: float | None = None

    def allows(self, url: str, user_agent: str) -> bool:
        if self.refusal:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def outcome_for(self, url: str, user_agent: str) -> str | None:
        """None if ``url`` may be fetched, else why not."""
        if self.refusal:
            return self.refusal
        return None if self.allows(url, user_agent) else "robots_disallowed"


ALLOW_ALL = RobotsPolicy()


def policy_from(result: Response | FetchFailure, user_agent: str) -> RobotsPolicy:
    if isinstance(result, FetchFailure):
        # A blocked host stays blocked for every URL; an unreachable robots.txt means "assume disallowed".
        return RobotsPolicy(refusal=result.outcome if result.outcome.startswith("blocked_") else "robots_unavailable")
    if 400 <= result.status < 500:
        return ALLOW_ALL
    if not 200 <= result.status < 300:
        return RobotsPolicy(refusal="robots_unavailable")
    parser = RobotFileParser()
    text = result.content[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
    parser.parse(text.splitlines())
    return RobotsPolicy(parser=parser, crawl_delay=crawl_delay(text, user_agent))


def crawl_delay(text: str, user_agent: str) -> float | None:
    """The Crawl-delay of the group for our agent, else of ``*`` (urllib's parser reads only whole seconds)."""
    token = user_agent.split("/", 1)[0].strip().lower()
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        key, _, value = raw.split("#", 1)[0].partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:  # a user-agent line after rules starts a new group
                agents, in_rules = [], False
            agents.append(value.lower())
        elif key:
            in_rules = True
            if key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                for agent in agents:
                    delays.setdefault(agent, delay)
    mine = [d for agent, d in delays.items() if agent != "*" and agent in token]
    return mine[0] if mine else delays.get("*")
