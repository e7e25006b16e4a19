"""What a value may be, written once for every app: leaf modules (they import nothing of ours).

- ``instants``: the range of instants the portal accepts (1970 to the end of 2999, UTC);
- ``limits``: every numeric limit a person can reach through the admin or the API;
- ``senders``: an email From read once, as a mail reader will read it;
- ``spreadsheets``: the one formula guard for every export a spreadsheet opens;
- ``storable``: text and JSON that PostgreSQL can store (no NUL, no lone surrogate).

Phone numbers keep their own module, ``messaging.phones``, which needs the phonenumbers library
and the settings' default region.
"""
