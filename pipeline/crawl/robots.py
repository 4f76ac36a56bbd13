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
    delay = parser.crawl_delay(user_agent)
    return RobotsPolicy(parser=parser, crawl_delay=float(delay) if delay is not None else None)
