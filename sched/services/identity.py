"""Identifiers of the domain: RPPS and FINESS numbers (Luhn key), phones (stored E.164), e-mail addresses."""

from __future__ import annotations

import email_validator
import phonenumbers

# The demo accounts live under the reserved `.test` domain (README); email_validator refuses special-use
# domains by default. `.test` never resolves, so accepting its syntax cannot deliver mail anywhere.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


def luhn_check_digit(body: str) -> int:
    """The digit that makes `body + digit` pass the Luhn test."""
    total = 0
    for i, char in enumerate(reversed(body)):
        digit = int(char)
        if i % 2 == 0:  # doubled positions, counted from the right of the body
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return (10 - total % 10) % 10


def rpps_problem(value: str) -> str | None:
    """Why `value` is not an RPPS number (11 digits, the last a Luhn check digit), or None when it is."""
    value = value.strip()
    if len(value) != 11 or not value.isdigit():
        return "Le numéro RPPS compte 11 chiffres."
    if luhn_check_digit(value[:10]) != int(value[10]):
        return "Ce numéro RPPS n'est pas valide (chiffre de contrôle incorrect)."
    return None


def finess_problem(value: str) -> str | None:
    """Why `value` is not a FINESS number (9 digits, the last a Luhn key), or None when it is."""
    value = value.strip()
    if len(value) != 9 or not value.isdigit():
        return "Le numéro FINESS compte 9 chiffres."
    if luhn_check_digit(value[:8]) != int(value[8]):
        return "Ce numéro FINESS n'est pas valide (clé de contrôle incorrecte)."
    return None


def normalise_phone(raw: str, region: str = "FR") -> str:
    """International E.164 form of a phone number; ValueError with a French message when it is not one."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValueError("Numéro de téléphone invalide.") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Numéro de téléphone invalide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def address_problem(address: str) -> str | None:
    """Why `address` is not an e-mail address (the validator the forms use), or None when it is one."""
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return f"adresse e-mail invalide : {address!r}"
    return None
