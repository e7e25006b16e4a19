"""Setup as code and moving in: ``import_from`` (Grafana OnCall, Opsgenie, PagerDuty) and
``config export|apply|schema``.

Part of the portal, the composition root, because both write messaging's contacts, oncall's
schedules and incidents' policies and integrations, and only the portal may know every app.
Vendor readers (``vendors/``) turn a vendor's API answers into one neutral plan (``neutral.py``);
``importer.py`` writes a plan, whatever vendor it came from.
"""
