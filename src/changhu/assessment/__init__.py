"""Assessment: disability assessment scales (versioned data), scoring, and later the workflow."""
