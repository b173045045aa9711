"""shoetrack: running-shoe mileage tracker.

Meters, seconds and UTC inside; miles/km only at display.
"""

__version__ = "0.1.0"
