"""Public mail providers: domains whose addresses belong to unrelated people.

Much of calsnack treats a sending domain as one organization: a CSV row finds its event among
the events of every organizer in the sender's domain (CONTRACT §3), so colleagues can run one
another's mailings. On a public provider that trust is wrong: `mallory@gmail.com` is no
colleague of `alice@gmail.com`, and a domain-wide scope there lets any stranger with a free
account edit, cancel or re-invite for someone else's event (issue 17.3). Wherever the service
widens "this sender" to "this sender's domain" it asks `is_public_mail_domain` first, and
keeps to the sender's own address on these domains.

The list names the large consumer providers (webmail and ISP mail that anyone can sign up
for). It cannot be complete; a domain missing from it is treated as an organization's, which
is the behaviour the contract describes for company domains.
"""

from __future__ import annotations

#: Consumer mail domains, exact names.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        # Google, Microsoft, Yahoo, Apple, AOL
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.de",
        "hotmail.fr",
        "hotmail.it",
        "hotmail.es",
        "live.com",
        "live.co.uk",
        "live.de",
        "live.fr",
        "msn.com",
        "passport.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.de",
        "yahoo.fr",
        "yahoo.es",
        "yahoo.it",
        "yahoo.co.jp",
        "yahoo.com.br",
        "ymail.com",
        "rocketmail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aim.com",
        # Privacy-focused and independent providers
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tuta.io",
        "tuta.com",
        "mailbox.org",
        "posteo.de",
        "posteo.net",
        "fastmail.com",
        "fastmail.fm",
        "hey.com",
        "zoho.com",
        "zohomail.com",
        "mail.com",
        "email.com",
        "hushmail.com",
        # German-speaking providers
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "online.de",
        "bluewin.ch",
        # Elsewhere in Europe
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "ziggo.nl",
        "telenet.be",
        "yandex.ru",
        "yandex.com",
        "ya.ru",
        "mail.ru",
        "rambler.ru",
        # North America, Asia, Latin America
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "cox.net",
        "charter.net",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
    }
)

#: Providers that hand out the same mailbox under many country domains (`gmx.de`, `gmx.net`,
#: `gmx.at`, `yahoo.co.jp`, …): the provider's name followed by a country or generic suffix.
PUBLIC_MAIL_FAMILIES = frozenset({"gmx", "yahoo", "hotmail", "outlook", "yandex"})


def is_public_mail_domain(domain: str) -> bool:
    """Whether addresses at `domain` belong to unrelated people (so the domain is no organization)."""
    name = domain.strip().lower().rstrip(".")
    if name in PUBLIC_MAIL_DOMAINS:
        return True
    first, _, suffix = name.partition(".")
    # `gmx.de`, `yahoo.co.uk`, `hotmail.com.br`; not `gmx.corp.example`, a company's own host.
    country = suffix.removeprefix("co.").removeprefix("com.")
    return first in PUBLIC_MAIL_FAMILIES and bool(country) and "." not in country
