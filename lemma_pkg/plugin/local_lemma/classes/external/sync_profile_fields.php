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
use invalid_parameter_exception;

/**
 * Compare, and on request create or update, custom user profile fields.
 *
 * A course declares the registration background it asks learners for (lemma's
 * course.yaml `background:`); this function makes the site's custom profile fields match
 * it through Moodle's profile field API (profile_define_* classes). It never deletes a
 * field or any user's data and never changes the type of an existing field.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class sync_profile_fields extends external_api {
    /** Field types lemma declares. */
    const DATATYPES = ['menu', 'text', 'checkbox', 'datetime'];

    /** Field properties compared, in this order. */
    const PROPERTIES = ['name', 'description', 'required', 'locked', 'forceunique', 'signup', 'visible',
        'defaultdata', 'param1', 'param2', 'param3'];

    /**
     * Parameters: the category, apply or compare, the fields.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'category' => new external_value(PARAM_TEXT, 'Profile field category of the fields'),
            'apply' => new external_value(PARAM_BOOL, '0: only compare; 1: create and update', VALUE_DEFAULT, false),
            'fields' => new external_multiple_structure(new external_single_structure([
                'shortname' => new external_value(PARAM_ALPHANUMEXT, 'Letters, digits and _'),
                'name' => new external_value(PARAM_TEXT, 'Name'),
                'datatype' => new external_value(PARAM_PLUGIN, 'menu, text, checkbox or datetime'),
                'description' => new external_value(PARAM_RAW, 'Description (plain text)', VALUE_DEFAULT, ''),
                'required' => new external_value(PARAM_BOOL, 'Required', VALUE_DEFAULT, false),
                'locked' => new external_value(PARAM_BOOL, 'Locked', VALUE_DEFAULT, false),
                'forceunique' => new external_value(PARAM_BOOL, 'Unique', VALUE_DEFAULT, false),
                'signup' => new external_value(PARAM_BOOL, 'On the sign-up page', VALUE_DEFAULT, false),
                'visible' => new external_value(PARAM_INT, '0 nobody, 1 the user, 2 everyone, 3 teachers',
                    VALUE_DEFAULT, 1),
                'defaultdata' => new external_value(PARAM_RAW, 'Default value', VALUE_DEFAULT, ''),
                'param1' => new external_value(PARAM_RAW, 'param1', VALUE_DEFAULT, ''),
                'param2' => new external_value(PARAM_RAW, 'param2', VALUE_DEFAULT, ''),
                'param3' => new external_value(PARAM_RAW, 'param3', VALUE_DEFAULT, ''),
            ])),
        ]);
    }

    /**
     * Compare (and with $apply create or update) the fields.
     *
     * @param string $category
     * @param bool $apply
     * @param array $fields
     * @return array
     */
    public static function execute(string $category, bool $apply, array $fields): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/user/profile/definelib.php');

        $params = self::validate_parameters(self::execute_parameters(),
            ['category' => $category, 'apply' => $apply, 'fields' => $fields]);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/site:config', $context);

        $categoryname = trim($params['category']);
        if ($categoryname === '') {
            throw new invalid_parameter_exception('The category name cannot be empty');
        }
        $seen = [];
        foreach ($params['fields'] as $field) {
            self::check_field($field);
            if (isset($seen[$field['shortname']])) {
                throw new invalid_parameter_exception('Field given twice: ' . $field['shortname']);
            }
            $seen[$field['shortname']] = true;
        }

        $categoryrecord = $DB->get_record('user_info_category', ['name' => $categoryname], '*', IGNORE_MULTIPLE);
        $categoryid = $categoryrecord ? (int)$categoryrecord->id : 0;
        if (!$categoryid && $params['apply']) {
            profile_save_category((object)['name' => $categoryname]);
            $categoryid = (int)$DB->get_field('user_info_category', 'id', ['name' => $categoryname], IGNORE_MULTIPLE);
        }

        $results = [];
        foreach ($params['fields'] as $field) {
            $existing = $DB->get_record('user_info_field', ['shortname' => $field['shortname']]);
            if (!$existing) {
                $status = 'missing';
                $id = 0;
                if ($params['apply']) {
                    $id = self::save($field, $categoryid, null);
                    $status = 'created';
                }
                $results[] = ['shortname' => $field['shortname'], 'id' => $id, 'status' => $status,
                    'differences' => []];
                continue;
            }
            $differences = self::differences($field, $existing, $categoryid);
            $status = $differences ? 'different' : 'ok';
            if ($existing->datatype !== $field['datatype']) {
                // Changing the type of a field would make its data meaningless: never done.
                $status = 'conflict';
            } else if ($differences && $params['apply']) {
                self::save($field, $categoryid, $existing);
                $status = 'updated';
            }
            $results[] = ['shortname' => $field['shortname'], 'id' => (int)$existing->id, 'status' => $status,
                'differences' => $differences];
        }
        if ($params['apply']) {
            profile_reorder_fields();
        }
        return ['category' => $categoryname, 'categoryid' => $categoryid, 'fields' => $results];
    }

    /**
     * Refuse what the profile field form would refuse.
     *
     * @param array $field
     */
    protected static function check_field(array $field): void {
        $name = $field['shortname'];
        if (!preg_match('/^[a-zA-Z0-9_]+$/', $name)) {
            throw new invalid_parameter_exception("Short name '$name': only letters, digits and _ are allowed");
        }
        if (!in_array($field['datatype'], self::DATATYPES, true)) {
            throw new invalid_parameter_exception("Field $name: unsupported type '{$field['datatype']}'");
        }
        if (!in_array((int)$field['visible'], [0, 1, 2, 3], true)) {
            throw new invalid_parameter_exception("Field $name: visible must be 0, 1, 2 or 3");
        }
        if ($field['datatype'] === 'menu') {
            $options = explode("\n", str_replace("\r", '', $field['param1']));
            if (count($options) < 2) {
                throw new invalid_parameter_exception("Field $name: a menu needs at least two options");
            }
            if ($field['defaultdata'] !== '' && !in_array($field['defaultdata'], $options, true)) {
                throw new invalid_parameter_exception("Field $name: the default is not one of the options");
            }
        }
        if ($field['datatype'] === 'datetime' && (int)$field['param1'] > (int)$field['param2']) {
            throw new invalid_parameter_exception("Field $name: the start year is after the end year");
        }
    }

    /**
     * Names of the properties that differ from the site's field.
     *
     * @param array $field
     * @param \stdClass $existing
     * @param int $categoryid
     * @return string[]
     */
    protected static function differences(array $field, \stdClass $existing, int $categoryid): array {
        $out = [];
        if ($existing->datatype !== $field['datatype']) {
            $out[] = 'datatype';
        }
        foreach (self::PROPERTIES as $property) {
            if ((string)$existing->$property !== (string)self::value($field, $property)) {
                $out[] = $property;
            }
        }
        if ($categoryid && (int)$existing->categoryid !== $categoryid) {
            $out[] = 'category';
        }
        return $out;
    }

    /**
     * A property as the user_info_field table stores it.
     *
     * @param array $field
     * @param string $property
     * @return string
     */
    protected static function value(array $field, string $property): string {
        $value = $field[$property];
        if (is_bool($value)) {
            return $value ? '1' : '0';
        }
        if ($property === 'param1' && $field['datatype'] === 'menu') {
            return str_replace("\r", '', (string)$value);
        }
        return (string)$value;
    }

    /**
     * Create or update one field with profile_define_<type>::define_save().
     *
     * @param array $field
     * @param int $categoryid
     * @param \stdClass|null $existing
     * @return int the field id
     */
    protected static function save(array $field, int $categoryid, ?\stdClass $existing): int {
        global $CFG, $DB;
        $datatype = $field['datatype'];
        require_once($CFG->dirroot . "/user/profile/field/$datatype/define.class.php");
        $data = (object)[
            'shortname' => $field['shortname'],
            'datatype' => $datatype,
            'categoryid' => $categoryid,
            'descriptionformat' => FORMAT_PLAIN,
        ];
        foreach (self::PROPERTIES as $property) {
            $data->$property = self::value($field, $property);
        }
        foreach (['param1', 'param2', 'param3'] as $param) {
            if ($data->$param === '') {
                $data->$param = null;
            }
        }
        if ($datatype === 'datetime') {
            // profile_define_datetime::define_save_preprocess() reads the form's date
            // selectors: 0 means "not changed in the form", so the years are kept.
            $data->startyear = 0;
            $data->endyear = 0;
        }
        if ($existing) {
            $data->id = $existing->id;
        }
        $classname = 'profile_define_' . $datatype;
        $define = new $classname();
        $define->define_save($data);
        return (int)$DB->get_field('user_info_field', 'id', ['shortname' => $field['shortname']]);
    }

    /**
     * The category and one result per field.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'category' => new external_value(PARAM_TEXT, 'Category name'),
            'categoryid' => new external_value(PARAM_INT, 'Category id (0 when missing)'),
            'fields' => new external_multiple_structure(new external_single_structure([
                'shortname' => new external_value(PARAM_ALPHANUMEXT, 'Short name'),
                'id' => new external_value(PARAM_INT, 'Field id (0 when missing)'),
                'status' => new external_value(PARAM_ALPHA, 'ok, missing, different, conflict, created or updated'),
                'differences' => new external_multiple_structure(
                    new external_value(PARAM_ALPHANUMEXT, 'A property that differs')
                ),
            ])),
        ]);
    }
}
