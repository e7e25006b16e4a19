"""Email in: SES receipt notifications stored, auto-replied under RFC 3834's loop guards, and
replies to the portal's own emails routed through the inbound handlers like an SMS."""
