"""Imports every module that declares jobs, so the worker knows them all."""
