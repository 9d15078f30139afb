-- title_words(title): a job title as the seniority rules read it (docs/metrics.md, "core.contacts",
-- Seniority): lower-cased, every character that is not a letter or digit a space, the words separated by
-- one space, between two spaces (' vice president sales '), so a rule's term (cleaned the same way,
-- staging.config_seniority) matches whole words in sequence by containment. '  ' when the title has no
-- letter or digit. core.contacts reads it.
create or replace macro title_words(title) as
    ' ' || trim(regexp_replace(lower(title), '[^\pL\pN]+', ' ', 'g')) || ' ';
