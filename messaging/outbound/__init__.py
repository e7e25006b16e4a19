"""Outbound: send (log the row, queue after commit) → deliver (claim, consent, pace, call, record,
retry), with pace, parts and the SMS delivery retry beside them."""
