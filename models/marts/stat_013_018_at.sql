{{ atlas_indicator('stat_013_018_at', measure='exams') }}
