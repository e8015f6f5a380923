"""The legal dates page (``/legal-dates``): the dates the courses teach, in one place, with the day they
were last checked. Lessons link here, so when a date moves (as the EU AI Act's did in 2026) it is
corrected once, and each entry says what applies from its date rather than what "will" happen, so it
stays true after the day has passed. Every entry comes from a verified line of the curriculum fact sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

LAST_CHECKED = date(2026, 12, 2)


@dataclass(frozen=True)
class LegalDate:
    """One date and what applies from it; ``year_only`` for a rule the sources date only by its year."""

    day: date
    what: str
    year_only: bool = False


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    intro: str
    dates: tuple[LegalDate, ...]
    sources: tuple[Source, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "eu-ai-act",
        _l("EU AI Act"),
        _l("Regulation (EU) 2024/1689, as amended by Regulation (EU) 2026/1744, the Digital Omnibus on AI. "
           "It binds public bodies in EU member states, such as Swedish agencies."),
        (
            LegalDate(date(2024, 8, 1), _l("The Act entered into force.")),
            LegalDate(date(2025, 2, 2), _l("The bans on certain practices (Article 5) and the AI literacy duty "
                                           "(Article 4) apply.")),
            LegalDate(date(2025, 8, 2), _l("The rules for providers of general-purpose AI models, the "
                                           "governance rules and the penalties apply.")),
            LegalDate(date(2026, 7, 27), _l("The Digital Omnibus entered into force. It moved the high-risk dates "
                                            "and softened the AI literacy duty: providers and deployers must take "
                                            "measures to support their staff's AI literacy.")),
            LegalDate(date(2026, 8, 2), _l("The transparency duties in Article 50 apply, such as telling people "
                                           "they are dealing with AI and marking AI-generated content.")),
            LegalDate(date(2026, 12, 2), _l("Two more bans apply: AI that creates non-consensual intimate images "
                                            "of real people, and AI that creates child sexual abuse material. "
                                            "From this date the marking duty also covers generative systems that "
                                            "were on the market before 2 August 2026.")),
            LegalDate(date(2027, 8, 2), _l("National AI regulatory sandboxes must be running. "
                                           "General-purpose AI models placed on the market before 2 August 2025 "
                                           "must comply.")),
            LegalDate(date(2027, 12, 2), _l("The high-risk rules apply to systems listed in Annex III, including "
                                            "deployers' duties (Article 26) and the fundamental rights impact "
                                            "assessment (Article 27).")),
            LegalDate(date(2028, 8, 2), _l("The high-risk rules apply to AI in products covered by Annex I.")),
            LegalDate(date(2030, 8, 2), _l("High-risk systems used by public authorities that were on the market "
                                           "before the high-risk rules applied must comply.")),
        ),
        (
            Source(_l("Regulation (EU) 2024/1689 on EUR-Lex"), "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"),
            Source(_l("Regulation (EU) 2026/1744 on EUR-Lex"), "https://eur-lex.europa.eu/eli/reg/2026/1744/oj"),
        ),
    ),
    Section(
        "uk-data-law",
        _l("UK data protection law"),
        _l("The Data (Use and Access) Act 2025 changed the UK GDPR, including the rules on automated "
           "decisions. Its parts came into force on different dates."),
        (
            LegalDate(date(2025, 6, 19), _l("The Data (Use and Access) Act 2025 received Royal Assent.")),
            LegalDate(date(2026, 2, 5), _l("Section 80 and the other main data protection changes came into "
                                           "force. UK GDPR Articles 22A to 22D replace Article 22: significant "
                                           "decisions taken solely by automated means need safeguards, and "
                                           "tighter limits apply to special category data.")),
            LegalDate(date(2026, 5, 12), _l("Regulations came into force that require the Information "
                                            "Commissioner to prepare a code of practice on AI and automated "
                                            "decision-making.")),
        ),
        (
            Source(_l("Data (Use and Access) Act 2025, section 80, on legislation.gov.uk"),
                   "https://www.legislation.gov.uk/ukpga/2025/18/section/80"),
        ),
    ),
    Section(
        "sweden",
        _l("Sweden"),
        _l("How Swedish public bodies may make decisions automatically. The EU AI Act and the EU GDPR apply "
           "as well."),
        (
            LegalDate(date(2018, 7, 1), _l("The Administrative Procedure Act (förvaltningslagen, 2017:900) came "
                                           "into force. Its section 28 lets an agency make a decision "
                                           "automatically, without a special law for it.")),
            LegalDate(date(2022, 7, 1), _l("Municipalities and regions may delegate decisions to an automated "
                                           "decision function, where the Administrative Procedure Act covers "
                                           "the case handling in full. The Riksdag decided this in May 2022.")),
        ),
        (
            Source(_l("When is automation possible? (Digg, in Swedish)"),
                   "https://www.digg.se/kunskap-och-stod/skapa-automationsvanliga-regelverk/"
                   "nar-ar-det-mojligt-med-automation"),
            Source(_l("Committee report 2021/22:KU36, Sveriges riksdag (in Swedish)"),
                   "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/betankande/"
                   "val-och-beslut-i-kommuner-och-regioner_H901KU36/"),
        ),
    ),
    Section(
        "wales",
        _l("Duties of public bodies in Wales"),
        _l("These duties apply whether or not a body uses AI. They still apply when it does."),
        (
            LegalDate(date(2011, 2, 9), _l("The Welsh Language (Wales) Measure 2011 was approved. It gives Welsh "
                                           "official status in Wales and set up the Welsh Language Commissioner "
                                           "and the system of Welsh language standards.")),
            LegalDate(date(2011, 4, 5), _l("The public sector equality duty (Equality Act 2010, section 149) came "
                                           "into force. Public bodies must have due regard to equality when they "
                                           "design and use any tool.")),
            LegalDate(date(2015, 1, 1), _l("The Well-being of Future Generations (Wales) Act 2015 was passed. "
                                           "Public bodies must follow the sustainable development principle and "
                                           "its five ways of working."), year_only=True),
            LegalDate(date(2016, 1, 1), _l("The Welsh language standards were introduced. They give Welsh speakers "
                                           "rights that the Commissioner can enforce."), year_only=True),
            LegalDate(date(2024, 4, 1), _l("The social partnership duty (Social Partnership and Public Procurement "
                                           "(Wales) Act 2023, section 16) came into force. Public bodies must, as "
                                           "far as is reasonable, seek consensus or compromise with their "
                                           "recognised trade unions when they set their well-being objectives and "
                                           "make strategic decisions about meeting them.")),
            LegalDate(date(2025, 2, 24), _l("The Procurement Act 2023 and the Procurement (Wales) Regulations 2024 "
                                            "came into force for Welsh contracting authorities. Procurements that "
                                            "started before this date follow the old rules.")),
            LegalDate(date(2025, 8, 7), _l("The Welsh Language Commissioner published a policy on AI: bodies that "
                                           "must follow the Welsh language standards must keep meeting them when "
                                           "they use AI.")),
            LegalDate(date(2026, 3, 25), _l("The socially responsible procurement duty (Social Partnership and "
                                            "Public Procurement (Wales) Act 2023, section 24) and the duty to "
                                            "publish a procurement strategy (section 38) came into force for the "
                                            "contracting authorities the Act lists.")),
        ),
        (
            Source(_l("Welsh Language (Wales) Measure 2011 on legislation.gov.uk"),
                   "https://www.legislation.gov.uk/mwa/2011/1/part/1"),
            Source(_l("Welsh language standards, Welsh Language Commissioner"),
                   "https://welshlanguagecommissioner.wales/public-organisations/welsh-language-standards"),
            Source(_l("Social Partnership and Public Procurement (Wales) Act 2023, Part 2, on legislation.gov.uk"),
                   "https://www.legislation.gov.uk/asc/2023/1/part/2"),
            Source(_l("Social Partnership and Public Procurement (Wales) Act 2023, section 24, on legislation.gov.uk"),
                   "https://www.legislation.gov.uk/asc/2023/1/section/24/enacted"),
            Source(_l("Procurement policy notes, Welsh Government"), "https://www.gov.wales/procurement-policy-notes"),
            Source(_l("Equality Act 2010, section 149, on legislation.gov.uk"),
                   "https://www.legislation.gov.uk/ukpga/2010/15/section/149"),
            Source(_l("The Well-being of Future Generations Act, Future Generations Commissioner for Wales"),
                   "https://futuregenerations.wales/about-us/future-generations-act/"),
        ),
    ),
)
