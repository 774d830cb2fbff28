<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.


namespace local_lemma\local;

use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;

/**
 * The fingerprints of the sources lemma last applied to a course (table local_lemma_applied).
 *
 * lemma computes a fingerprint for every aspect of every item, section and question it
 * builds (name, text, files, settings, completion, ...). Each write function of the update
 * stores the fingerprints of what it applied in the same transaction as the change, so a
 * later `lemma deploy --update` compares the new build with what the course really got,
 * and a run that was interrupted resumes where it stopped. The values are opaque here.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class applied {
    /** @var string The table. */
    const TABLE = 'local_lemma_applied';

    /**
     * The parameter every update function takes: fingerprints to store with the change.
     *
     * @return external_multiple_structure
     */
    public static function parameter(): external_multiple_structure {
        return new external_multiple_structure(
            new external_single_structure([
                'key' => new external_value(PARAM_RAW, 'What the fingerprints describe, e.g. item:IDNUMBER'),
                'fingerprints' => new external_value(PARAM_RAW, 'JSON object: aspect name to fingerprint'),
            ]),
            'Fingerprints to merge into what is stored for the course, with the change',
            VALUE_DEFAULT,
            []
        );
    }

    /**
     * Every stored key of a course with its fingerprints (a JSON object).
     *
     * @param int $courseid
     * @return array key => JSON text
     */
    public static function all(int $courseid): array {
        global $DB;
        return $DB->get_records_menu(self::TABLE, ['courseid' => $courseid], 'itemkey', 'itemkey, fingerprints');
    }

    /**
     * Merge fingerprints into what is stored (aspects given replace those stored).
     *
     * @param int $courseid
     * @param array $entries list of ['key' => ..., 'fingerprints' => JSON object text]
     */
    public static function merge(int $courseid, array $entries): void {
        global $DB;
        foreach ($entries as $entry) {
            $new = json_decode($entry['fingerprints'], true);
            if (!is_array($new) || trim($entry['key']) === '') {
                throw new \invalid_parameter_exception('fingerprints must be a JSON object with a key');
            }
            $row = $DB->get_record(self::TABLE, ['courseid' => $courseid, 'itemkey' => $entry['key']]);
            $old = $row ? json_decode($row->fingerprints, true) : [];
            $merged = array_merge(is_array($old) ? $old : [], $new);
            ksort($merged);
            $text = json_encode((object)$merged, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            if ($row) {
                if ($row->fingerprints !== $text) {
                    $DB->update_record(self::TABLE, (object)[
                        'id' => $row->id, 'fingerprints' => $text, 'timemodified' => time(),
                    ]);
                }
            } else {
                $DB->insert_record(self::TABLE, (object)[
                    'courseid' => $courseid, 'itemkey' => $entry['key'],
                    'fingerprints' => $text, 'timemodified' => time(),
                ]);
            }
        }
    }

    /**
     * Replace what is stored for one key.
     *
     * @param int $courseid
     * @param string $key
     * @param array $fingerprints aspect => fingerprint
     */
    public static function set(int $courseid, string $key, array $fingerprints): void {
        self::forget($courseid, [$key]);
        self::merge($courseid, [['key' => $key, 'fingerprints' => json_encode((object)$fingerprints)]]);
    }

    /**
     * Forget keys (an item that was removed, so that adding it back applies everything).
     *
     * @param int $courseid
     * @param string[] $keys
     */
    public static function forget(int $courseid, array $keys): void {
        global $DB;
        foreach ($keys as $key) {
            $DB->delete_records(self::TABLE, ['courseid' => $courseid, 'itemkey' => $key]);
        }
    }

    /**
     * Forget everything about a course.
     *
     * @param int $courseid
     */
    public static function forget_course(int $courseid): void {
        global $DB;
        $DB->delete_records(self::TABLE, ['courseid' => $courseid]);
    }

    /**
     * Observer: a deleted course takes its fingerprints with it.
     *
     * @param \core\event\course_deleted $event
     */
    public static function course_deleted(\core\event\course_deleted $event): void {
        self::forget_course((int)$event->objectid);
    }
}
