"""Messaging's JSON API under /api/v1/: keys and their rights (keys, auth), the strict JSON parser
(parsers), and the contact, allow-list and message-log endpoints (serializers, views, urls).

The omnichannel endpoints (/api/v1/messages/) are ``messaging.omnichannel``'s, included by ``urls``.
Nothing is imported here: DRF loads ``auth`` and ``parsers`` from settings while it defines
``APIView``, so importing ``views`` from here would import DRF's views half-made.
"""
