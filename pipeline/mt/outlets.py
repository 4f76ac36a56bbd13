"""Lookup of foreign outlets by name, literal English name, domain or slug (``outlets.yaml``).

A domain that ``outlets.yaml`` does not list still names an outlet, whose language is guessed (:func:`host_language`):
from the link's own language hint (``hreflang``/``lang``), a language code as the first segment of its path
(``/de/...``) or as the host's first label (``fr.example.com``; ``english.`` is English), else from the country-code
top-level domain when that country's press writes in one language (``.de`` -> de, ``.co.il`` -> he, ``.com.br`` ->
pt). Only codes of languages this module knows count (``/us/`` or ``/bc/`` is a section, not a language). Generic domains (``.com``, ``.net``, ``.org``, ``.info``),
multilingual countries (``.ch``, ``.be``, ``.ca``, ``.in``, ...) and country codes used as generic ones (``.io``,
``.tv``, ``.co``, ``.me``) give no language, and such an outlet is never judged foreign.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping

from pipeline.extract import registered_domain
from pipeline.mt.resources import Outlet, outlets_file

_HOST = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b", re.IGNORECASE)
# Country-code domains whose press writes (almost) only in one language.
COUNTRY_LANGUAGES: dict[str, str] = {
    **dict.fromkeys(("de", "at"), "de"), "fr": "fr", "it": "it", "nl": "nl", "pl": "pl", "tr": "tr", "se": "sv",
    "dk": "da", "no": "no", "fi": "fi", "cz": "cs", "sk": "sk", "gr": "el", "hu": "hu", "ro": "ro", "bg": "bg",
    "rs": "sr", "hr": "hr", "si": "sl", "ee": "et", "lv": "lv", "lt": "lt", "ru": "ru", "ua": "uk", "il": "he",
    "jp": "ja", "kr": "ko", "ir": "fa", "vn": "vi", "th": "th", "id": "id",
    **dict.fromkeys(("cn", "tw", "hk", "mo"), "zh"), **dict.fromkeys(("pt", "br", "ao", "mz"), "pt"),
    **dict.fromkeys(("es", "mx", "ar", "cl", "pe", "ve", "uy", "py", "bo", "ec", "cr", "gt", "hn", "sv", "ni", "pa",
                     "do", "cu"), "es"),
    **dict.fromkeys(("sa", "eg", "ae", "qa", "jo", "kw", "bh", "om", "lb", "sy", "iq", "ye", "sd"), "ar"),
    **dict.fromkeys(("uk", "gb", "us", "au", "nz", "ie"), "en"),
}
LANGUAGES = frozenset(COUNTRY_LANGUAGES.values())
_PATH_LANGUAGE = re.compile(r"^https?://[^/]+/([a-z]{2})(?:[-_][a-z]{2})?(?:/|$)", re.IGNORECASE)
_LANGUAGE_HINT = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)


def host_language(host: str, url: str = "", hint: str = "") -> str | None:
    """The language of an outlet at ``host`` that ``outlets.yaml`` does not list (see the module's rule), or None."""
    host = host.lower().rstrip(".")
    label = host.removeprefix("www.").partition(".")[0]
    for match in (_LANGUAGE_HINT.match(hint.strip()), _PATH_LANGUAGE.match(url), _LANGUAGE_HINT.fullmatch(label)):
        if match and (code := match.group(1).lower()) in LANGUAGES:
            return code
    if label in ("english", "eng"):
        return "en"
    return COUNTRY_LANGUAGES.get(host.rpartition(".")[2])


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

    def at_host(self, host: str, url: str = "", hint: str = "") -> Outlet | None:
        """The listed outlet at ``host``, else an outlet named by its domain whose language :func:`host_language`
        guesses (None when it cannot)."""
        if outlet := self.by_host(host):
            return outlet
        language = host_language(host, url, hint)
        if language is None:
            return None
        return _domain_outlet(registered_domain(f"http://{host}/"), language, self.agencies)

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
            if outlet := self.at_host(host):
                return [outlet]
        site_slugs = {name_key(slug): name for slug, name in slugs.items()}
        if key in site_slugs:
            return _unique(list(self.by_name.get(name_key(site_slugs[key]), ())))
        return _unique([*self.by_name.get(key, ()), *self.by_literal.get(key, ()),
                        *self.by_ambiguous_literal.get(key, ())])

    def is_agency(self, text: str) -> bool:
        return name_key(text) in self.agencies


@functools.lru_cache(maxsize=4096)  # a run names the same few hundred domains again and again
def _domain_outlet(domain: str, language: str, agencies: frozenset[str]) -> Outlet | None:
    """The outlet named by an unlisted domain; None for an agency's domain."""
    return None if name_key(domain.partition(".")[0]) in agencies else Outlet(name=domain, language=language,
                                                                              domains=(domain,))


@functools.lru_cache(maxsize=4096)
def outlet_keys(outlet: Outlet) -> frozenset[str]:
    """Every name of the outlet as :func:`name_key` folds it: name, aliases, domains and the domains' stems."""
    names = (outlet.name, *outlet.aliases, *outlet.domains, *(domain.split(".")[0] for domain in outlet.domains))
    return frozenset(name_key(name) for name in names)


def _unique(outlets: list[Outlet]) -> list[Outlet]:
    return list({outlet.name: outlet for outlet in outlets}.values())


@functools.cache
def outlet_index() -> OutletIndex:
    data = outlets_file()
    return OutletIndex(data.outlets, data.agencies)
