"""Messaging's JSON API under /api/v1/: keys and their rights (keys, auth), the strict JSON parser
(parsers), and the contact, allow-list and message-log endpoints (serializers, views, urls).

The omnichannel endpoints (/api/v1/messages/) are ``messaging.omnichannel``'s, included by ``urls``.
Old ``messaging.api.X`` names (the flat module's views) resolve through ``messaging.old_paths``,
on first use only: DRF loads ``auth`` and ``parsers`` from settings while it defines ``APIView``,
so importing ``views`` eagerly from here would import DRF's views half-made.
"""
from messaging.old_paths import old_names

__getattr__ = old_names(__name__, ("views",))
