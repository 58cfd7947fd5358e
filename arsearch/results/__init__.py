"""What is built from search results: explanations, suggestions, timelines, exports."""
