"""The web service: JSON API and pages for case officers, advice providers and managers."""
