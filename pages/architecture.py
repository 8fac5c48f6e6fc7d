"""Placeholder replaced by its own page module."""
import streamlit as st

st.title("architecture")
