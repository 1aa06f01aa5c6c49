"""Readers that turn source files into graphmodel tables.

- :mod:`loaders.fieldwork`: fieldwork packages (a folder of CSV files or one workbook).
"""
