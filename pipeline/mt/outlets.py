"""Lookup of foreign outlets by name, literal English name, domain or slug (``outlets.yaml``)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping

from pipeline.mt.resources import Outlet, outlets_file

_HOST = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b", re.IGNORECASE)


def name_key(text: str) -> str:
    """Case, accents, spaces and punctuation folded away: "Süddeutsche Zeitung" -> "suddeutschezeitung"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


class OutletIndex:
    """Every way a page names an outlet, mapped to the outlets it can mean (a literal can mean several)."""

    def __init__(self, outlets: Iterable[Outlet], agencies: Iterable[str]) -> None:
        self.outlets = tuple(outlets)
        self.by_name: dict[str, list[Outlet]] = defaultdict(list)
        self.by_literal: dict[str, list[Outlet]] = defaultdict(list)
        self.by_ambiguous_literal: dict[str, list[Outlet]] = defaultdict(list)
        self.by_domain: dict[str, Outlet] = {}
        for outlet in self.outlets:
            for name in (outlet.name, *outlet.aliases):
                self.by_name[name_key(name)].append(outlet)
            for literal in outlet.literal:
                self.by_literal[name_key(literal)].append(outlet)
            for literal in outlet.literal_ambiguous:
                self.by_ambiguous_literal[name_key(literal)].append(outlet)
            for domain in outlet.domains:
                self.by_domain[domain.lower()] = outlet
                # the domain's first label is how aggregators write the outlet ("Source: israelhayom")
                self.by_name[name_key(domain.split(".")[0])].append(outlet)
        self.agencies = frozenset(name_key(agency) for agency in agencies)

    def by_host(self, host: str) -> Outlet | None:
        host = host.lower().removeprefix("www.")
        while host:
            if host in self.by_domain:
                return self.by_domain[host]
            _, _, host = host.partition(".")
        return None

    def literal(self, text: str, allow_ambiguous: bool) -> list[Outlet]:
        """Outlets whose literal English name is ``text`` (ambiguous literals only when allowed)."""
        key = name_key(text)
        found = list(self.by_literal.get(key, ()))
        if allow_ambiguous:
            found += self.by_ambiguous_literal.get(key, ())
        return _unique(found)

    def resolve(self, text: str, slugs: Mapping[str, str] = {}) -> list[Outlet]:
        """Outlets a source line's name, slug or URL means; [] for agencies and unknown names."""
        key = name_key(text)
        if not key or key in self.agencies:
            return []
        for host in _HOST.findall(text):
            if outlet := self.by_host(host):
                return [outlet]
        site_slugs = {name_key(slug): name for slug, name in slugs.items()}
        if key in site_slugs:
            return _unique(list(self.by_name.get(name_key(site_slugs[key]), ())))
        return _unique([*self.by_name.get(key, ()), *self.by_literal.get(key, ()),
                        *self.by_ambiguous_literal.get(key, ())])

    def is_agency(self, text: str) -> bool:
        return name_key(text) in self.agencies


def _unique(outlets: list[Outlet]) -> list[Outlet]:
    return list({outlet.name: outlet for outlet in outlets}.values())


@functools.cache
def outlet_index() -> OutletIndex:
    data = outlets_file()
    return OutletIndex(data.outlets, data.agencies)
