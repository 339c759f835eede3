"""English dates on a 24-hour clock. Django's "P" writes "2:38 a.m.", and a sentence that
ends on a date then reads "2:38 a.m.." (the template's full stop after the format's)."""

DATE_FORMAT = "F j, Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
