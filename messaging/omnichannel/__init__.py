"""Omnichannel dispatches: POST /api/v1/messages/ (the models keep the name ``Dispatch``)."""
