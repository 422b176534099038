"""The ways an alert leaves the engine: email (SMTP), webhooks, GOV.UK Notify."""
