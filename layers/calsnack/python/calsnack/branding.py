"""The deployment's brand: the one place that names the product and sets the look of every mail.

Every mail template reads these values as `brand` (calsnack/templates/mail/_brand.html
holds the markup they go into); docs/branding.md says how a deployment changes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Branding:
    #: Shown in From ("Ann via calsnack"), subjects, footers and page titles.
    product_name: str = "calsnack"
    #: An absolute https URL of a logo shown at the top of HTML mails; none when empty.
    logo_url: str = ""
    #: A line under every HTML and text mail (an address, a legal notice); none when empty.
    footer: str = ""
    #: Body text, and the small print: both at least 4.5:1 on white (WCAG 2.1 AA).
    ink: str = "#202124"
    muted: str = "#5f6368"
    font: str = "Arial,Helvetica,sans-serif"
    #: The RSVP buttons' colours, white text on each at least 4.5:1; the pages' app.css uses the same.
    yes: str = "#137333"
    maybe: str = "#a35200"
    no: str = "#c5221f"
