{{ atlas_indicator('stat_013_022_at', measure='exams') }}
