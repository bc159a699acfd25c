"""User-facing words: status cells and reports, in Hungarian (default) or English.

Every finding code, stage, next step and verdict has a text in both languages;
a test keeps the tables complete. Parameters never carry secret values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sheetsync.core.model import (
    Code,
    DomainVerdict,
    Doubt,
    Finding,
    Notice,
    RowEvaluation,
    Severity,
    Stage,
    Verdict,
)

Locale = str
# A value quoted from the sheet (a package name, a header) is cut to this length: a
# pasted 50,000-character cell must not make a status cell too long for Google Sheets.
PARAM_LIMIT = 200

STAGES: Mapping[Locale, Mapping[Stage, str]] = {
    "hu": {
        Stage.EMAIL: "1. E-mail cím",
        Stage.HOSTING_ACCOUNT: "2. Tárhely fiók",
        Stage.MANAGING_ACCOUNT: "3. Kezelő fiók",
        Stage.PACKAGE_DOMAIN: "4. Csomag és domain",
        Stage.PAYMENT: "5. Fizetés",
        Stage.DOMAIN_APPLICATION: "6. Domain igénylés",
        Stage.DONE: "Kész",
    },
    "en": {
        Stage.EMAIL: "1. E-mail address",
        Stage.HOSTING_ACCOUNT: "2. Hosting account",
        Stage.MANAGING_ACCOUNT: "3. Managing account",
        Stage.PACKAGE_DOMAIN: "4. Package and domain",
        Stage.PAYMENT: "5. Payment",
        Stage.DOMAIN_APPLICATION: "6. Domain application",
        Stage.DONE: "Done",
    },
}

SEVERITIES: Mapping[Locale, Mapping[Severity, str]] = {
    "hu": {Severity.ERROR: "HIBA", Severity.WARNING: "FIGYELEM", Severity.INFO: "INFÓ"},
    "en": {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"},
}

FINDINGS: Mapping[Locale, Mapping[Code, str]] = {
    "hu": {
        Code.MISSING_CLIENT_NAME: "Az ügyfél neve hiányzik, pedig a sorban van adat",
        Code.DUPLICATE_CLIENT: "Ugyanez az ügyfél szerepel a(z) {rows}. sorban is",
        Code.INVALID_VALUE: "Nem értelmezhető érték ({expected_text}) – javítsd a cellát",
        Code.INVALID_EMAIL: "Érvénytelen e-mail cím",
        Code.EMAIL_PATTERN_MISMATCH: "A létrehozott cím nem a szokásos minta szerinti "
        "(javaslat: {suggestion})",
        Code.MISSING_EMAIL_PASSWORD: "A létrehozott e-mail fiók jelszava nincs rögzítve",
        Code.MISSING_HOSTING_PASSWORD: "A tárhely fiók jelszava nincs rögzítve",
        Code.MISSING_HOSTING_LOGIN: "A tárhely fiók felhasználóneve nincs rögzítve",
        Code.UNEXPECTED_MANAGING_ACCOUNT: "Kezelő fiókként nem a penzugy@sparrow.hu, "
        "hanem {address} szerepel",
        Code.PACKAGE_NOT_START: "A csomag nem Start, hanem „{package}”",
        Code.INVALID_DOMAIN: "Érvénytelen domain név: {reason_text}",
        Code.DUPLICATE_DOMAIN: "Ugyanez a domain szerepel a(z) {rows}. sorban is",
        Code.DOMAIN_TAKEN: "A(z) {domain} domain FOGLALT – vásárlás előtt válassz másikat",
        Code.DOMAIN_UNVERIFIED: "A domain foglaltságát most nem sikerült ellenőrizni: {doubt_text}",
        Code.DOMAIN_NOT_REGISTERED: "A(z) {domain} igénylése több mint {elapsed_text} „Sikeres”, "
        "de a domain még mindig szabadnak látszik",
        Code.DOMAIN_APPLICATION_FAILED: "A domain igénylés sikertelen",
        Code.OUT_OF_ORDER: "{case_text}",
        Code.INVOICE_OVERDUE: "A számla ({sent_date}) több mint {elapsed_text} nincs kifizetve – "
        "emlékeztesd az ügyfelet",
        Code.TRANSFER_BOOKING_OVERDUE: "Több mint {elapsed_text} fizetve (utalás, {paid_date}), "
        "de a rendelés nem élő – keresd a tarhely.eu ügyfélszolgálatát",
        Code.CARD_PAYMENT_PENDING: "Bankkártyás fizetés választva ({since_date}), de több mint "
        "{elapsed_text} nincs fizetve",
        Code.CREDENTIAL_CHANGED: "A(z) „{column_label}” megváltozott ({changed_at})",
    },
    "en": {
        Code.MISSING_CLIENT_NAME: "The client name is missing although the row has data",
        Code.DUPLICATE_CLIENT: "The same client is also on row(s) {rows}",
        Code.INVALID_VALUE: "Value cannot be read ({expected_text}) – fix the cell",
        Code.INVALID_EMAIL: "Not a valid e-mail address",
        Code.EMAIL_PATTERN_MISMATCH: "The created address does not follow the usual pattern "
        "(suggestion: {suggestion})",
        Code.MISSING_EMAIL_PASSWORD: "The created mailbox's password is not recorded",
        Code.MISSING_HOSTING_PASSWORD: "The hosting account's password is not recorded",
        Code.MISSING_HOSTING_LOGIN: "The hosting account's login is not recorded",
        Code.UNEXPECTED_MANAGING_ACCOUNT: "The managing account is {address}, "
        "not penzugy@sparrow.hu",
        Code.PACKAGE_NOT_START: "The package is “{package}”, not Start",
        Code.INVALID_DOMAIN: "Not a valid domain name: {reason_text}",
        Code.DUPLICATE_DOMAIN: "The same domain is also on row(s) {rows}",
        Code.DOMAIN_TAKEN: "The domain {domain} is TAKEN – choose another before buying",
        Code.DOMAIN_UNVERIFIED: "Could not check whether the domain is free: {doubt_text}",
        Code.DOMAIN_NOT_REGISTERED: "The application for {domain} has said “Sikeres” for more "
        "than {elapsed_text}, but the domain still shows as free",
        Code.DOMAIN_APPLICATION_FAILED: "The domain application failed",
        Code.OUT_OF_ORDER: "{case_text}",
        Code.INVOICE_OVERDUE: "The invoice sent on {sent_date} has been unpaid for more than "
        "{elapsed_text} – remind the client",
        Code.TRANSFER_BOOKING_OVERDUE: "Paid by transfer ({paid_date}) more than {elapsed_text} "
        "ago, but the order is not live – contact tarhely.eu support",
        Code.CARD_PAYMENT_PENDING: "Card payment chosen ({since_date}), not paid for more than "
        "{elapsed_text}",
        Code.CREDENTIAL_CHANGED: "“{column_label}” changed ({changed_at})",
    },
}

_PARAM_TEXTS: Mapping[Locale, Mapping[str, str]] = {
    "hu": {
        "yes-no": "igen/nem várható",
        "date": "dátum várható, pl. 2026. 11. 24.",
        "payment-method": "bankkártya vagy utalás",
        "email-type": "saját vagy létrehozott",
        "application": "beküldve, Sikeres vagy Sikertelen",
        "email": "e-mail cím várható",
        "application-before-payment": "Domain igénylés rögzítve, pedig a fizetés még nincs kész",
        "payment-before-managing-account": "Fizetés rögzítve, pedig a kezelő fiók még nincs "
        "hozzáadva",
        "suggestion": "javaslat",
        "empty": "üres",
        "not-a-domain": "nem domain név: hiányzik a pont és a végződés (pl. pelda.hu)",
        "space": "szóköz van benne, domain névben pedig nem lehet",
        "idna": "nem megengedett karakter",
        "unknown-tld": "ismeretlen végződés",
        "public-suffix": "csak végződés, név nélkül",
        "subdomain": "aldomain, nem regisztrálható név (javaslat: {suggestion})",
        "hu-characters": ".hu névben csak a–z, ékezetes magyar betű, szám és kötőjel lehet",
        "hu-length": ".hu név 2–63 karakter lehet",
        "hyphen": "kötőjel nem állhat az elején, a végén, vagy a 3–4. helyen",
    },
    "en": {
        "yes-no": "yes/no expected",
        "date": "a date expected, e.g. 2026-11-24",
        "payment-method": "card or transfer",
        "email-type": "own or created",
        "application": "submitted, Sikeres or Sikertelen",
        "email": "an e-mail address expected",
        "application-before-payment": "Domain application recorded before payment was done",
        "payment-before-managing-account": "Payment recorded before the managing account was added",
        "suggestion": "suggestion",
        "empty": "empty",
        "not-a-domain": "not a domain name: no dot and ending (e.g. example.hu)",
        "space": "it holds a space, which a domain name cannot",
        "idna": "characters not allowed",
        "unknown-tld": "unknown top-level domain",
        "public-suffix": "only a suffix, no name",
        "subdomain": "a subdomain, not a registrable name (suggestion: {suggestion})",
        "hu-characters": "a .hu name may hold only a–z, Hungarian accented letters, digits, "
        "hyphens",
        "hu-length": "a .hu name has 2–63 characters",
        "hyphen": "no hyphen at the start, the end, or in positions 3–4",
    },
}

NEXT_STEPS: Mapping[Locale, Mapping[str, str]] = {
    "hu": {
        "fix-email": "Javítsd az e-mail címet",
        "choose-email": "Rögzítsd az ügyfél e-mail címét, vagy hozz létre egyet: {suggestion}",
        "set-email-type": "Add meg az e-mail típusát (saját vagy létrehozott)",
        "record-email-password": "Rögzítsd a létrehozott e-mail fiók jelszavát",
        "create-hosting-account": "Hozd létre a tarhely.eu ügyfélfiókot, és rögzítsd a belépési "
        "adatokat",
        "record-hosting-password": "Rögzítsd a tarhely.eu fiók jelszavát",
        "record-hosting-login": "Rögzítsd a tarhely.eu fiók felhasználónevét",
        "add-managing-account": "Add meg kezelő fiókként: {address}",
        "choose-other-domain": "A(z) {domain} foglalt: válassz másik domaint, és ellenőrizd",
        "fix-domain": "Javítsd a domain nevet",
        "choose-domain": "Válassz domaint, és vásárlás előtt ellenőrizd, hogy szabad-e",
        "choose-package": "Válaszd ki a csomagot (Start)",
        "fix-payment-method": "Javítsd a fizetési módot (bankkártya vagy utalás)",
        "set-payment-method": "Rögzítsd a fizetési módot (bankkártya vagy utalás)",
        "card-payment": "Az ügyfél indítsa el a bankkártyás fizetést az ügyfélfiókban",
        "send-invoice": "Küldd el a számlát az ügyfélnek, és rögzítsd a dátumát",
        "await-transfer": "Várd meg az utalást, majd rögzítsd a fizetés idejét",
        "await-booking": "Várd meg, hogy a tarhely.eu élővé tegye a rendelést (4–8 óra)",
        "escalate-booking": "Keresd a tarhely.eu ügyfélszolgálatát: a rendelés még nem élő",
        "submit-application": "Töltsd ki és küldd be a domain igénylőlapot "
        "(domain / új domain igénylő)",
        "await-application": "Várd meg az igénylés eredményét, majd rögzítsd (Sikeres/Sikertelen)",
        "resubmit-application": "Ellenőrizd az igénylőlap adatait, és küldd be újra",
        "check-registration": "Ellenőrizd a tarhely.eu-nál, hogy a domain tényleg regisztrálva "
        "lett",
        "done": "Nincs teendő – az ügyfél felvétele kész",
    },
    "en": {
        "fix-email": "Fix the e-mail address",
        "choose-email": "Record the client's e-mail address, or create one: {suggestion}",
        "set-email-type": "Set the e-mail type (own or created)",
        "record-email-password": "Record the created mailbox's password",
        "create-hosting-account": "Create the tarhely.eu client account and record its login",
        "record-hosting-password": "Record the tarhely.eu account's password",
        "record-hosting-login": "Record the tarhely.eu account's login",
        "add-managing-account": "Add the managing account: {address}",
        "choose-other-domain": "{domain} is taken: choose another domain and check it",
        "fix-domain": "Fix the domain name",
        "choose-domain": "Choose a domain and check that it is free before buying",
        "choose-package": "Choose the package (Start)",
        "fix-payment-method": "Fix the payment method (card or transfer)",
        "set-payment-method": "Record the payment method (card or transfer)",
        "card-payment": "The client starts the card payment in the client account",
        "send-invoice": "Send the invoice to the client and record the date",
        "await-transfer": "Wait for the transfer, then record when it was paid",
        "await-booking": "Wait for tarhely.eu to make the order live (4–8 hours)",
        "escalate-booking": "Contact tarhely.eu support: the order is still not live",
        "submit-application": "Fill in and submit the domain application form "
        "(domain / new domain application)",
        "await-application": "Wait for the application's answer, then record it "
        "(Sikeres/Sikertelen)",
        "resubmit-application": "Check the application form's data and submit it again",
        "check-registration": "Check at tarhely.eu that the domain was really registered",
        "done": "Nothing to do – onboarding complete",
    },
}

VERDICTS: Mapping[Locale, Mapping[Verdict, str]] = {
    "hu": {
        Verdict.AVAILABLE: "szabad",
        Verdict.REGISTERED: "foglalt",
        Verdict.UNKNOWN: "ismeretlen",
        Verdict.INVALID: "érvénytelen",
    },
    "en": {
        Verdict.AVAILABLE: "free",
        Verdict.REGISTERED: "taken",
        Verdict.UNKNOWN: "unknown",
        Verdict.INVALID: "invalid",
    },
}

# Why a verdict is unknown, in words staff understand (never the checker's English).
DOUBTS: Mapping[Locale, Mapping[Doubt, str]] = {
    "hu": {
        Doubt.THROTTLED: "a .{tld} regisztrátor most korlátozza a lekérdezéseket",
        Doubt.REFUSED: "a .{tld} regisztrátor elutasította a lekérdezést",
        Doubt.SERVER_ERROR: "a .{tld} regisztrátornál most hiba van",
        Doubt.NO_ANSWER: "a .{tld} regisztrátor nem válaszolt időben",
        Doubt.INCOMPLETE: "a .{tld} regisztrátor válasza hiányos vagy túl hosszú volt",
        Doubt.UNREADABLE: "a .{tld} regisztrátor válasza nem értelmezhető",
        Doubt.OTHER_NAME: "a .{tld} regisztrátor egy másik domainről válaszolt",
        Doubt.REDIRECTED: "a .{tld} regisztrátor máshová irányította a kérdést",
        Doubt.NO_SERVICE: "a .{tld} végződéshez nem ismerünk lekérdezhető regisztrátort",
        Doubt.NO_TIME: "ebben a körben nem jutott rá idő",
        Doubt.NOT_LISTED: "nem szerepel a domainlistában",
        Doubt.CHECKER_FAILED: "belső hiba történt az ellenőrzés közben",
        Doubt.UNREACHABLE: "a .{tld} regisztrátor most nem elérhető",
        Doubt.CHECKS_OFF: "a domain ellenőrzés ki van kapcsolva",
    },
    "en": {
        Doubt.THROTTLED: "the .{tld} registry is limiting queries now",
        Doubt.REFUSED: "the .{tld} registry refused the query",
        Doubt.SERVER_ERROR: "the .{tld} registry has an error now",
        Doubt.NO_ANSWER: "the .{tld} registry did not answer in time",
        Doubt.INCOMPLETE: "the .{tld} registry's answer was incomplete or too long",
        Doubt.UNREADABLE: "the .{tld} registry's answer could not be read",
        Doubt.OTHER_NAME: "the .{tld} registry answered about another domain",
        Doubt.REDIRECTED: "the .{tld} registry sent the query elsewhere",
        Doubt.NO_SERVICE: "no registry service is known for .{tld}",
        Doubt.NO_TIME: "there was no time for it in this pass",
        Doubt.NOT_LISTED: "not in the domain list",
        Doubt.CHECKER_FAILED: "an internal error occurred while checking",
        Doubt.UNREACHABLE: "the .{tld} registry cannot be reached now",
        Doubt.CHECKS_OFF: "domain checks are off",
    },
}
_NO_DOUBT = {"hu": "ismeretlen okból", "en": "for an unknown reason"}

# Where a known verdict came from, where the checker's own word is not the sheet's.
# Hungarian cells carry no protocol words (rules.md): a registry's answer is the registry's.
SOURCES: Mapping[Locale, Mapping[str, str]] = {
    "hu": {
        "file": "domainlista",
        "whois": "a regisztrátor szerint",
        "rdap": "a regisztrátor szerint",
    },
    "en": {},
}

NOTICES: Mapping[Locale, Mapping[str, str]] = {
    "hu": {
        "unreachable-one": "A domainek foglaltságát most nem lehetett ellenőrizni: "
        "a {tlds} regisztrátor most nem elérhető{where}.",
        "unreachable-many": "A domainek foglaltságát most nem lehetett ellenőrizni: "
        "a {tlds} regisztrátorok most nem elérhetők{where}.",
        "checks-off": "A domain ellenőrzés ki van kapcsolva.",
        "affected": "{domains} domain állapota „ismeretlen”.",
        "again": "A következő körben újra megpróbáljuk.",
    },
    "en": {
        "unreachable-one": "Domains could not be checked now: the {tlds} registry cannot "
        "be reached{where}.",
        "unreachable-many": "Domains could not be checked now: the {tlds} registries "
        "cannot be reached{where}.",
        "checks-off": "Domain checks are off.",
        "affected": "{domains} domain(s) are “unknown”.",
        "again": "The next pass tries again.",
    },
}

_NOT_CHECKED = {"hu": "nem kell ellenőrizni", "en": "no check needed"}

# How long has passed, by the unit a threshold counts: Hungarian in its possessive form
# ("8 munkaórája"), English as (singular, plural).
ELAPSED_UNITS: Mapping[Locale, Mapping[str, tuple[str, str]]] = {
    "hu": {
        "office-hours": ("munkaórája", "munkaórája"),
        "hours": ("órája", "órája"),
        "working-days": ("munkanapja", "munkanapja"),
        "days": ("napja", "napja"),
    },
    "en": {
        "office-hours": ("office hour", "office hours"),
        "hours": ("hour", "hours"),
        "working-days": ("working day", "working days"),
        "days": ("day", "days"),
    },
}


@dataclass(frozen=True)
class Texts:
    """Renders codes into one locale's words."""

    locale: Locale = "hu"

    def stage(self, stage: Stage) -> str:
        return STAGES[self.locale][stage]

    def severity(self, severity: Severity) -> str:
        return SEVERITIES[self.locale][severity]

    def finding(self, finding: Finding, labels: Mapping[str, str]) -> str:
        params = self._params(finding.params)
        if finding.column:
            params["column_label"] = clip(labels.get(finding.column, finding.column))
        message = FINDINGS[self.locale][finding.code].format_map(_Lenient(params))
        if finding.code == Code.INVALID_VALUE and finding.column:
            message = f"{params['column_label']}: {message}"
        return message

    def next_step(self, evaluation: RowEvaluation) -> str:
        template = NEXT_STEPS[self.locale][evaluation.next_step]
        return template.format_map(_Lenient(self._params(evaluation.next_step_params)))

    def verdict(self, verdict: DomainVerdict | None, domain: str | None) -> str:
        if domain is None:
            return ""
        if verdict is None:
            return f"{domain}: {_NOT_CHECKED[self.locale]}"
        word = VERDICTS[self.locale][verdict.verdict]
        if verdict.verdict == Verdict.UNKNOWN and verdict.doubt is not None:
            return f"{domain}: {word} – {self.doubt(verdict.doubt, domain.rsplit('.', 1)[-1])}"
        source = SOURCES[self.locale].get(verdict.source, verdict.source)
        return f"{domain}: {word} ({source})"

    def doubt(self, doubt: Doubt | str, tld: str) -> str:
        """Why a verdict is unknown, in this locale's words (`tld` without its dot)."""
        try:
            text = DOUBTS[self.locale][Doubt(doubt)]
        except ValueError:  # a word from a newer or older sheetsync
            text = _NO_DOUBT[self.locale]
        return text.format(tld=tld)

    def notice(self, notice: Notice) -> str:
        """A run-level notice as one sentence or two."""
        words = NOTICES[self.locale]
        parts = []
        unreachable = bool(notice.servers) or not notice.checks_off
        if unreachable:
            tlds = ", ".join(f".{t}" for t in notice.tlds)
            key = "unreachable-one" if len(notice.tlds) == 1 else "unreachable-many"
            where = f" ({', '.join(notice.servers)})" if notice.servers else ""
            parts.append(words[key].format(tlds=tlds, where=where))
        if notice.checks_off:
            parts.append(words["checks-off"])
        parts.append(words["affected"].format(domains=notice.domains))
        if unreachable:
            parts.append(words["again"])
        return " ".join(parts)

    def invalid_domain(self) -> str:
        return VERDICTS[self.locale][Verdict.INVALID]

    def invalid_reason(self, reason: str, suggestion: str | None = None) -> str:
        """Why a typed name is not a domain, in words (`sheetsync domain check`)."""
        params = {"reason": reason} | ({"suggestion": suggestion} if suggestion else {})
        return self._params(params)["reason_text"]

    def elapsed(self, amount: str, unit: str) -> str:
        """`8`, `office-hours` → "8 munkaórája" / "8 office hours"."""
        one, many = ELAPSED_UNITS[self.locale].get(unit, (unit, unit))
        number = amount.replace(".", ",") if self.locale == "hu" else amount
        return f"{number} {one if amount == '1' else many}"

    def moment(self, moment: datetime) -> str:
        if self.locale == "hu":
            return moment.strftime("%Y. %m. %d. %H:%M")
        return moment.strftime("%Y-%m-%d %H:%M")

    def day(self, day: date) -> str:
        return day.strftime("%Y. %m. %d.") if self.locale == "hu" else day.isoformat()

    def _params(self, params: Mapping[str, str]) -> dict[str, str]:
        words = _PARAM_TEXTS[self.locale]
        out = {key: clip(value) for key, value in params.items()}
        for key, value in params.items():
            if key.endswith("_date"):
                out[key] = self.day(date.fromisoformat(value))
            elif key == "changed_at":
                out[key] = self.moment(datetime.fromisoformat(value))
        if "unit" in params:
            out["elapsed_text"] = self.elapsed(params.get("elapsed", "?"), params["unit"])
        if "doubt" in params:
            out["doubt_text"] = self.doubt(params["doubt"], params.get("tld", "?"))
        for key in ("expected", "reason", "case"):
            if key in params:
                template = words.get(params[key], params[key])
                text = template.format_map(_Lenient(out))
                if key == "reason" and "suggestion" in out and "{suggestion}" not in template:
                    text += f" ({words['suggestion']}: {out['suggestion']})"
                out[f"{key}_text"] = text
        return out


def clip(text: str, limit: int = PARAM_LIMIT) -> str:
    """At most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


# `sheetsync setup`: what the sheet's guides say (core.guides). Dropdown values are the
# canonical forms the parsers read (a test keeps them readable), in the sheet's language.
GUIDE_VALUES: Mapping[Locale, Mapping[str, tuple[str, ...]]] = {
    "hu": {
        "email_type": ("saját", "létrehozott"),
        "payment_method": ("bankkártya", "utalás"),
        "domain_application": ("beküldve", "Sikeres", "Sikertelen"),
        "managing_account": ("igen", "nem", "penzugy@sparrow.hu"),
        "package": ("Start",),
        "order_live": ("igen", "nem"),
    },
    "en": {
        "email_type": ("own", "created"),
        "payment_method": ("card", "transfer"),
        "domain_application": ("submitted", "Sikeres", "Sikertelen"),
        "managing_account": ("yes", "no", "penzugy@sparrow.hu"),
        "package": ("Start",),
        "order_live": ("yes", "no"),
    },
}

GUIDE_PROMPTS: Mapping[Locale, Mapping[str, str]] = {
    "hu": {
        "list": "Válassz a listából: {values}",
        "list-or-more": "Válassz a listából ({values}), vagy írj mást, ha kell",
        "date": "Dátum, pl. 2026. 11. 24. (igen/nem is jó)",
        "guard": "Ezt az oszlopot a sheetsync írja: amit ide írsz, a következő "
        "szinkronizáláskor felülíródik.",
    },
    "en": {
        "list": "Choose from the list: {values}",
        "list-or-more": "Choose from the list ({values}), or type another value if needed",
        "date": "A date, e.g. 2026-11-24 (yes/no also works)",
        "guard": "sheetsync writes this column: your edit will be replaced at the next sync.",
    },
}
