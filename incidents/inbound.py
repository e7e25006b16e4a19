"""Placeholder until the incidents issue lands: takes no message."""


def incident_reply_handler(inbound):
    return None
