{{ atlas_indicator('stat_013_006_at', measure='exams') }}
