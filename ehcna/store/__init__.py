"""The SQL read model: what the workflows recorded, for pages, exports and KPIs."""
