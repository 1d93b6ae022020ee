"""Identifiers of the domain: RPPS numbers (Luhn check digit) and phone numbers (stored E.164)."""

from __future__ import annotations

import phonenumbers


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


def normalise_phone(raw: str, region: str = "FR") -> str:
    """International E.164 form of a phone number; ValueError with a French message when it is not one."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValueError("Numéro de téléphone invalide.") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Numéro de téléphone invalide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
