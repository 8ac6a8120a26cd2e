"""The therapist's room and supervision as pages (docs/webapp.md): my day and week, session prep, the relational
note with autosave, the timeline drawn, caseload attention, the client's clinical page, psychotherapy notes
(author only, apart), the co-sign queue and the supervision view. Each page calls the notes app's selectors,
services and audited reads (notes/reads.py), gated by the API's own role set (notes.apis.CLINICAL)."""
