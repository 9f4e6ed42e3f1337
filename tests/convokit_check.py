"""Load an exported corpus with ConvoKit's own loader and print what it read, as one
JSON line. Run in ConvoKit's venv (not this project's): `python convokit_check.py
CORPUS_DIR CONVERSATION_ID`; tests/test_export.py compares the line with the database.
"""
import json
import sys

from convokit import Corpus


def main(folder: str, conversation_id: str) -> None:
    corpus = Corpus(filename=folder, backend="mem")
    utterances = list(corpus.iter_utterances())
    conversation = corpus.get_conversation(conversation_id)
    print(json.dumps({
        "utterances": len(utterances),
        "speakers": len(list(corpus.iter_speakers())),
        "conversations": len(list(corpus.iter_conversations())),
        "all_intact": all(c.check_integrity(verbose=False) for c in corpus.iter_conversations()),
        "reply_to": {u.id: u.reply_to for u in utterances},
        "conversation_of": {u.id: u.conversation_id for u in utterances},
        "speaker_of": {u.id: u.speaker.id for u in utterances},
        "timestamps": {u.id: u.timestamp for u in utterances},
        "timestamp_types": sorted({type(u.timestamp).__name__ for u in utterances}),
        "preorder": [[u.id, u.text] for u in conversation.traverse("preorder")],
        "root_to_leaf": [[u.id for u in path] for path in conversation.get_root_to_leaf_paths()],
        "chronological": [u.id for u in conversation.get_chronological_utterance_list()],
        "meta": {u.id: dict(u.meta) for u in conversation.iter_utterances()},
        "speaker_meta": {s.id: dict(s.meta) for s in corpus.iter_speakers()},
        "conversation_meta": dict(conversation.meta),
        "corpus_meta": dict(corpus.meta),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
