"""Shipped comms templates, one per audience: responders, executives, support, customers."""
