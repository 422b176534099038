"""Reports over the read model: the KPI overview, its exports and the SEN2 extract."""
