"""Exceptions raised by stockroom."""


class StockroomError(Exception):
    """Base class for all stockroom errors."""


class ValidationError(StockroomError, ValueError):
    """Raised when input data is malformed."""


class UnknownSkuError(StockroomError, KeyError):
    """Raised when a SKU is not in the inventory."""


class InsufficientStockError(StockroomError):
    """Raised when removing more units than are on hand."""
