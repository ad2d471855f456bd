"""Shipped comms templates (declaration, status update, resolution, customer notice, escalation)."""
