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


namespace local_lemma\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;
use local_lemma\local\applied;

/**
 * Sections as the build has them: create missing ones, rename, rewrite summaries and
 * restrictions (availability JSON naming the live cmids and grade items), and put their
 * modules in order with moveto_module(). Visibility of a moved module is kept.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_sections extends external_api {
    /** @var string[] The aspects it knows. */
    const ASPECTS = ['name', 'summary', 'availability', 'order'];

    /**
     * Parameters: the course and its sections.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'sections' => new external_multiple_structure(
                new external_single_structure([
                    'number' => new external_value(PARAM_INT, 'Section number (created when missing)'),
                    'aspects' => new external_multiple_structure(
                        new external_value(PARAM_ALPHA, 'name, summary, availability or order'),
                        'What to change'),
                    'name' => new external_value(PARAM_TEXT, 'Name, empty for the default'),
                    'summary' => new external_value(PARAM_RAW, 'Summary HTML'),
                    'availability' => new external_value(PARAM_RAW, 'Availability JSON, empty for none'),
                    'cmids' => new external_multiple_structure(
                        new external_value(PARAM_INT, 'Course module id'),
                        'Every module of the section in order (aspect order)', VALUE_DEFAULT, []),
                ])
            ),
            'applied' => applied::parameter(),
        ]);
    }

    /**
     * Update the sections.
     *
     * @param int $courseid
     * @param array $sections
     * @param array $applied
     * @return array
     */
    public static function execute(int $courseid, array $sections, array $applied = []): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/lib.php');

        $params = self::validate_parameters(self::execute_parameters(),
            ['courseid' => $courseid, 'sections' => $sections, 'applied' => $applied]);
        $courseid = $params['courseid'];
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('moodle/course:update', $context);
        require_capability('moodle/course:manageactivities', $context);
        $course = get_course($courseid);

        $transaction = $DB->start_delegated_transaction();
        $out = [];
        foreach ($params['sections'] as $given) {
            foreach ($given['aspects'] as $aspect) {
                if (!in_array($aspect, self::ASPECTS)) {
                    throw new \invalid_parameter_exception("unknown aspect '$aspect'");
                }
            }
            $created = course_create_sections_if_missing($course, [$given['number']]);
            $section = $DB->get_record('course_sections', ['course' => $courseid, 'section' => $given['number']],
                '*', MUST_EXIST);
            $has = fn(string $aspect): bool => in_array($aspect, $given['aspects']);
            $data = [];
            if ($has('name') && (string)$section->name !== $given['name']) {
                $data['name'] = $given['name'];
            }
            if ($has('summary') && (string)$section->summary !== $given['summary']) {
                $data['summary'] = $given['summary'];
                $data['summaryformat'] = FORMAT_HTML;
            }
            $availability = $given['availability'] === '' ? null : $given['availability'];
            if ($has('availability') && $section->availability !== $availability) {
                $data['availability'] = $availability;
            }
            if ($data) {
                course_update_section($course, $section, $data);
            }
            $changed = array_keys($data);
            if ($has('order') && self::order($course, $section, $given['cmids'])) {
                $changed[] = 'order';
            }
            $out[] = ['number' => (int)$section->section, 'id' => (int)$section->id, 'created' => (bool)$created,
                'changed' => array_values(array_diff($changed, ['summaryformat']))];
        }
        applied::merge($courseid, $params['applied']);
        $transaction->allow_commit();
        return ['courseid' => $courseid, 'sections' => $out];
    }

    /**
     * Put the given modules into the section in this order (others stay before them).
     *
     * @param \stdClass $course
     * @param \stdClass $section
     * @param int[] $cmids
     * @return bool whether anything moved
     */
    protected static function order(\stdClass $course, \stdClass $section, array $cmids): bool {
        global $DB;
        $current = $DB->get_field('course_sections', 'sequence', ['id' => $section->id]);
        $current = $current === '' ? [] : array_map('intval', explode(',', $current));
        $tail = array_slice($current, count($current) - count($cmids));
        if (count($current) >= count($cmids) && $tail === array_values($cmids)) {
            return false;
        }
        $section = $DB->get_record('course_sections', ['id' => $section->id], '*', MUST_EXIST);
        for ($i = count($cmids) - 1; $i >= 0; $i--) {
            $cm = get_coursemodule_from_id('', $cmids[$i], $course->id, false, MUST_EXIST);
            $visible = (int)$cm->visible;
            moveto_module($cm, $section, $cmids[$i + 1] ?? null);
            if ((int)$DB->get_field('course_modules', 'visible', ['id' => $cm->id]) !== $visible) {
                set_coursemodule_visible($cm->id, $visible);
            }
        }
        return true;
    }

    /**
     * What changed in each section.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'sections' => new external_multiple_structure(
                new external_single_structure([
                    'number' => new external_value(PARAM_INT, 'Section number'),
                    'id' => new external_value(PARAM_INT, 'Section id'),
                    'created' => new external_value(PARAM_BOOL, 'The section was created'),
                    'changed' => new external_multiple_structure(
                        new external_value(PARAM_ALPHA, 'name, summary, availability or order'),
                        'What changed'),
                ])
            ),
        ]);
    }
}
