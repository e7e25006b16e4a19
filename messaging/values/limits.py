"""Every numeric limit a person can reach through the admin or the API, written down once.

The security review found the admin accepting a wait of 99,999,999,999 seconds and 99,999
reminders that the API refused: the API's bounds lived in its serializers and the admin's forms
had none. Now each bound is a model field validator built from these numbers, so every
ModelForm, inline and ``full_clean`` in a service checks it, and the plain serializers and forms
import the same numbers for their ``min_value``/``max_value``. A leaf module (no imports), so
every app can use it; messaging is the app every other one already imports.

The instant range (dates) is the same idea for times: messaging/values/instants.py.
"""

# Escalation (incidents): a day between pages is already more than any duty roster wants, and
# the bound keeps due times far from datetime's limits (10**18 seconds was an OverflowError).
WAIT_SECONDS_MIN = 1
WAIT_SECONDS_MAX = 24 * 3600
REMINDERS_MAX = 100
# Extra passes through the whole chain before giving up.
REPEAT_MAX = 20
# Levels a policy may have, and contacts a level (or an incident's ad-hoc chain) may page.
LEVELS_MAX = 20
CONTACTS_MAX = 100
# A person's notification rules: a day after the page is past any escalation; twenty rules is
# more than any responder keeps (GoAlert's users keep two to four).
RULE_AFTER_SECONDS_MAX = 24 * 3600
RULES_MAX = 20

# On-call schedules: a turn longer than a year is a typo; a week's notice is the most anyone asked for.
TURN_HOURS_MIN = 1
TURN_HOURS_MAX = 24 * 366
NOTICE_MINUTES_MAX = 7 * 24 * 60
MEMBERS_MAX = 200

# "Tried in this order" positions (escalation levels, rotation members, alert routes). Far above
# any real list, far below the smallest integer column.
POSITION_MAX = 1000

# Omnichannel fallback: a week is longer than any channel keeps retrying.
FALLBACK_SECONDS_MAX = 7 * 24 * 3600

# Page sizes of the list endpoints.
PAGE_LIMIT_MAX = 1000
