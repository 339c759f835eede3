"""Reading a phone number as people type it. Pure: no Django.

Residents type "138 0013 8000", "+86 138-0013-8000" or "008613800138000"; the account
stores one form, E.164 ("+8613800138000"), so one number is one account whatever the
spelling. Without a country code a number is read in the default region (CN). Only
mobile numbers can receive the sign-in code, so a landline is refused here rather than
when the text message fails.
"""

from __future__ import annotations

import phonenumbers

_MOBILE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def e164(text: str, region: str = "CN") -> str | None:
    """The number in E.164, or None if `text` is not a valid mobile number."""
    text = text.strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def masked(number: str) -> str:
    """For messages on screen: "+86 138****8000"."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return "****"
    national = str(parsed.national_number)
    if len(national) <= 7:
        return f"+{parsed.country_code} ****{national[-2:]}"
    return f"+{parsed.country_code} {national[:3]}****{national[-4:]}"
